import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sweepSchema, type Sweep } from '../src-shared/sweep';
import { QueueSweep } from '../src-services/queue/queue-sweep';
import { parseRedisUrl } from '../src-services/queue/redis-url';
import { startTestRedis } from '../src-services/queue/test-support/redis-server';
import { RunStore } from '../src-services/runs/run-store';
import { SweepRunner } from '../src-services/sweeps/sweep-runner';
import { RunSupervisor } from '../src-services/trainers/run-supervisor';
import { nodeTrainerFactory } from '../src-services/trainers/trainer-process';
import { table } from './harness';

/** One way of running the timed sweep, and how fast it went. */
interface QueueBenchRow {
  readonly path: string;
  readonly trials: number;
  readonly seconds: number;
  readonly trialsPerMinute: number;
}

export interface QueueBench {
  /** The timed sweep: MNIST, 784-50-10, lr varied over `trials` values, `iterations` updates per trial. */
  readonly sweep: { readonly trials: number; readonly iterations: number; readonly trainSubset: number };
  readonly rows: readonly QueueBenchRow[];
  /** Wall seconds per trial of a 1-iteration sweep, one trial at a time: here, on the queue, and their difference. */
  readonly overhead: { readonly trials: number; readonly localSeconds: number; readonly queueSeconds: number; readonly perTrialSeconds: number };
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A sweep of `trials` learning rates on MNIST's first `trainSubset` images (a fifth held out), `epochs` each. */
function mnistSweep(name: string, trials: number, trainSubset: number, epochs: number): Sweep {
  return sweepSchema.parse({
    name,
    base: { network: { hiddenSizes: [50] }, training: { batchSize: 100, evaluationSamples: 1000 } },
    parameters: [{ kind: 'grid', path: 'optimizer.lr', values: Array.from({ length: trials }, (_, i) => 0.01 * (i + 1)) }],
    trainSubset,
    epochs,
    seed: 1,
  });
}

/** `npm run worker` as a user starts it, once it says it takes trials. */
async function startWorker(url: string, concurrency: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src-cli', 'worker.ts'), '--queue', url, '--concurrency', String(concurrency)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => line.startsWith('worker ') && resolve());
    child.once('exit', (code) => reject(new Error(`a worker exited with code ${code} before it started`)));
  });
  return child;
}

async function stopWorkers(workers: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map(async (worker) => {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }),
  );
}

/** REPEATS of each timing, of which the best is kept: the machine is shared, and other jobs only ever slow a run down. */
const REPEATS = 2;

/** Best wall seconds of `run` over REPEATS runs; each must end every one of the sweep's `expected` trials. */
async function timed(run: () => Promise<{ ranked: readonly unknown[]; unranked: readonly unknown[] }>, expected: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    const result = await run();
    best = Math.min(best, (performance.now() - started) / 1000);
    const ended = result.ranked.length + result.unranked.length;
    if (ended !== expected) throw new Error(`the sweep ended with ${ended} of ${expected} trials`);
  }
  return best;
}

/** A sweep runner of its own store (in `dir`) with `concurrency` trainer processes kept warm, as `npm run sweep` makes. */
function localRunner(dir: string, concurrency: number): { runner: SweepRunner; supervisor: RunSupervisor; store: RunStore } {
  const store = new RunStore(dir, '0.0.0-bench');
  const supervisor = new RunSupervisor(store, nodeTrainerFactory(), { concurrency, reuseTrainers: true });
  return { runner: new SweepRunner(supervisor), supervisor, store };
}

/**
 * The same sweep run here (the embedded default: trainer processes of this process, one per core) and on a
 * BullMQ queue (a Redis server started for the bench on loopback) with 1, 2 and 4 `npm run worker`
 * processes of one trial at a time, and one worker of one trial per core. Every path first runs a warm-up sweep, so its trainer processes have
 * loaded their modules and decoded MNIST before the timed sweep, as they have after a sweep's first trials.
 * The queue's overhead per trial: a sweep of 1-iteration trials, one at a time, here and on one worker.
 * Each timing is the best of REPEATS runs of the sweep.
 */
export async function measureQueue(cores: number): Promise<QueueBench | { skipped: string }> {
  const redis = await startTestRedis();
  if (!('url' in redis)) return { skipped: redis.skipReason };
  const dir = await mkdtemp(join(tmpdir(), 'bpw-bench-queue-'));
  const trials = 8;
  const trainSubset = 10_000;
  const epochs = 30;
  const timedSweep = mnistSweep('bench', trials, trainSubset, epochs);
  const warmUp = mnistSweep('warm-up', 4, 200, 1);
  const tinyTrials = 12;
  const tiny = mnistSweep('overhead', tinyTrials, 200, 0.5);
  const rows: QueueBenchRow[] = [];
  const row = (path: string, seconds: number): void => void rows.push({ path, trials, seconds, trialsPerMinute: (trials / seconds) * 60 });
  let paths = 0;
  try {
    const local = localRunner(join(dir, `runs-${++paths}`), cores);
    await local.runner.start(warmUp);
    row(`local (embedded), ${cores} trainer processes`, await timed(() => local.runner.start(timedSweep), trials));
    await local.supervisor.shutdown();

    const one = localRunner(join(dir, `runs-${++paths}`), 1);
    await one.runner.start(warmUp);
    const localSeconds = (await timed(() => one.runner.start(tiny), tinyTrials)) / tinyTrials;
    await one.supervisor.shutdown();

    let queueSeconds = 0;
    // N worker processes of one trial each (what N machines of one core would do), then one worker of one
    // trial per core (what `npm run worker` does by default), the embedded path's match.
    for (const [count, concurrency] of [[1, 1], [2, 1], [4, 1], [1, cores]] as const) {
      const workers: ChildProcess[] = [];
      try {
        for (let i = 0; i < count; i++) workers.push(await startWorker(redis.url, concurrency));
        const coordinator = localRunner(join(dir, `runs-${++paths}`), 1);
        const queue = new QueueSweep(coordinator.runner, coordinator.store, parseRedisUrl(redis.url));
        await queue.start(mnistSweep('warm-up', 2 * count * concurrency, 200, 1));
        const label = `queue, ${count} worker process${count === 1 ? '' : 'es'} of ${concurrency} trial${concurrency === 1 ? '' : 's'} at a time`;
        row(label, await timed(() => queue.start(timedSweep), trials));
        if (count === 1 && concurrency === 1) queueSeconds = (await timed(() => queue.start(tiny), tinyTrials)) / tinyTrials;
      } finally {
        await stopWorkers(workers);
      }
    }
    const bench: QueueBench = {
      sweep: { trials, iterations: (epochs * trainSubset * 0.8) / 100, trainSubset },
      rows,
      overhead: { trials: tinyTrials, localSeconds, queueSeconds, perTrialSeconds: queueSeconds - localSeconds },
    };
    console.log(
      `\nSweep of ${trials} trials (MNIST 784-50-10, ${bench.sweep.iterations} iterations each on ${trainSubset} images, a fifth held out), on ${cores} cores, best of ${REPEATS}`,
    );
    console.log(table(['path', 'seconds', 'trials/min'], rows.map((r) => [r.path, r.seconds.toFixed(1), r.trialsPerMinute.toFixed(1)])));
    console.log(
      `Queue overhead per trial (${tinyTrials} trials of 1 iteration, one at a time): ${(localSeconds * 1000).toFixed(0)} ms here, ` +
        `${(queueSeconds * 1000).toFixed(0)} ms on one worker: ${((queueSeconds - localSeconds) * 1000).toFixed(0)} ms added by the queue`,
    );
    return bench;
  } finally {
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
