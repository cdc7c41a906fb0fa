#!/usr/bin/env node
import { availableParallelism } from 'node:os';
import { memoryBudget } from '../src-services/limits/memory-budget';
import { QueueWorker } from '../src-services/queue/queue-worker';
import { parseRedisUrl } from '../src-services/queue/redis-url';
import { nodeTrainerFactory } from '../src-services/trainers/trainer-process';
import { flagNumber, parseFlags } from './flag-values';
import { runCli, UsageError } from './run-cli';
import { onStopSignals } from './stop-signals';

const USAGE = `Usage:
  npm run worker -- --queue redis://HOST:PORT [--concurrency N]

Trains the trials of sweeps started with \`npm run sweep -- --queue redis://HOST:PORT\`, on this machine,
in this project's trainer processes; the results go back to the machine that started the sweep.

Options:
  --queue URL       the sweep queue's Redis server: redis://HOST:PORT (rediss:// for TLS). Off this machine
                    it must ask for a password: redis://USER:PASSWORD@HOST:PORT, or REDIS_PASSWORD
                    (and REDIS_USERNAME for an ACL user) in the environment
  --concurrency N   trials training at once (default: the number of cores)
  --memory-budget SIZE  what each trial, and the trials training at once, may use (e.g. 8GB, 75%;
                    default: half of the RAM, or BACKPROP_MEMORY_BUDGET); a larger trial is refused
  -h, --help

Ctrl+C (or SIGTERM) takes no more trials and waits for those in training; a second Ctrl+C quits at once
(another worker then continues its trials from the last checkpoint they sent).
`;

async function main(argv: readonly string[]): Promise<number> {
  const values = parseFlags(argv, { queue: { type: 'string' }, concurrency: { type: 'string' }, 'memory-budget': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, (message) => new UsageError(message));
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.queue) throw new UsageError('give --queue redis://HOST:PORT, the server the sweep was started with');
  const target = parseRedisUrl(values.queue);
  const concurrency = values.concurrency === undefined ? availableParallelism() : flagNumber('concurrency', values.concurrency, 'positive integer');
  const budget = memoryBudget(values['memory-budget']);
  const worker = await QueueWorker.start({ target, concurrency, factory: nodeTrainerFactory(), memoryBudget: budget, log: (line) => process.stdout.write(line) });
  process.stdout.write(`worker ${worker.placement.id}: taking trials from ${target.shown}, ${concurrency} at a time\n`);
  await new Promise<void>((resolve) => {
    const stop = onStopSignals({
      write: (text) => process.stdout.write(text),
      onStop: () => {
        void worker.close().finally(() => {
          stop.dispose();
          resolve();
        });
      },
      firstNote: '\nstopping: no more trials; waiting for those in training to finish\n',
      secondNote: '\nquitting at once: another worker continues these trials from their last checkpoint\n',
    });
  });
  return 0;
}

runCli(main, { usage: USAGE, inputErrors: ['UsageError', 'FlagError', 'QueueUrlError'] });
