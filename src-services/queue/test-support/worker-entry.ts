// A queue worker for tests, in a process of its own so a test can kill -9 it mid-trial. Arguments: the Redis
// URL, then the trainer entry file and its arguments (the pausing entry holds a trial at a known step). It
// sends a trial's checkpoint at every evaluation and pause, says "checkpoint-sent evaluation|pause JOB_ID" on stdout each time,
// and uses short job locks so a killed worker's trial is handed on within seconds.
import { QueueWorker } from '../queue-worker';
import { parseRedisUrl } from '../redis-url';
import { nodeTrainerFactory } from '../../trainers/trainer-process';

const [url, trainer, ...trainerArgs] = process.argv.slice(2);
void QueueWorker.start({
  target: parseRedisUrl(url!),
  concurrency: 1,
  cores: 1,
  factory: nodeTrainerFactory({ file: trainer!, execArgv: [], args: trainerArgs }),
  checkpointEveryMs: 0,
  heartbeatMs: 1000,
  lockDurationMs: 2000,
  stalledIntervalMs: 1000,
  onCheckpointSent: (jobId, after) => process.stdout.write(`checkpoint-sent ${after} ${jobId}\n`),
}).then((worker) => process.stdout.write(`worker-ready ${worker.placement.id}\n`));
