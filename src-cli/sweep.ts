#!/usr/bin/env node
import { availableParallelism } from 'node:os';
import type { RunRecord } from '../src-shared/run-record';
import { sweepSchema } from '../src-shared/sweep';
import { defaultRunsDirectory } from '../src-services/runs/paths';
import { RunStore } from '../src-services/runs/run-store';
import { RunSupervisor } from '../src-services/trainers/run-supervisor';
import { SweepRunner } from '../src-services/sweeps/sweep-runner';
import { QueueSweep } from '../src-services/queue/queue-sweep';
import { parseRedisUrl } from '../src-services/queue/redis-url';
import { validationAccuracy } from '../src-shared/sweep-progress';
import { FileRefusal, MAX_CONFIG_FILE_BYTES, readBoundedText } from '../src-services/limits/bounded-file';
import { memoryBudget } from '../src-services/limits/memory-budget';
import { nodeTrainerFactory } from '../src-services/trainers/trainer-process';
import { checkRunsDirectory } from './export-target';
import { flagNumber, parseFlags } from './flag-values';
import { runCli, UsageError } from './run-cli';
import { onStopSignals } from './stop-signals';

const USAGE = `Usage:
  npm run sweep -- --config sweep.json      run a sweep headless (presets: resources/sweeps/*.json)
  npm run sweep -- --resume SWEEP_ID        continue an interrupted sweep
  npm run sweep -- --config sweep.json --queue redis://HOST:PORT
                                            put the trials on a job queue for \`npm run worker\` processes

Options:
  --concurrency N   trials training at once (default: the number of cores)
  --runs-dir DIR    the run store (default: the desktop app's)
  --top N           rows of the final ranking (default 10)
  --memory-budget SIZE  what each trial, and the trials training at once, may use (e.g. 8GB, 75%;
                    default: half of the RAM, or BACKPROP_MEMORY_BUDGET)
  --queue URL       run the trials on the workers of this Redis server (BullMQ) instead of here; the
                    results still land in this run store. Off this machine the URL must carry a
                    password (redis://USER:PASSWORD@HOST:PORT) or REDIS_PASSWORD must be set.
                    --resume ID --queue URL reattaches to a sweep's queue after a restart
  --json            the result as JSON on stdout (progress goes to stderr)
  -h, --help

Ctrl+C (or SIGTERM) stops the trials in training, each saved with its checkpoint as "stopped";
--resume continues them. A second Ctrl+C quits at once. On a queue, Ctrl+C takes the trials no worker
has started off the queue; those in training finish on their workers and --resume collects them.
`;

function describeParameters(record: RunRecord): string {
  return Object.entries(record.sweep?.parameters ?? {})
    .map(([key, value]) => `${key}=${typeof value === 'number' ? Number(value.toPrecision(3)) : JSON.stringify(value)}`)
    .join(' ');
}

const percent = (value: number | null): string => (value === null ? '   –  ' : value.toFixed(4));

async function main(argv: readonly string[]): Promise<number> {
  const values = parseFlags(argv, { config: { type: 'string' }, resume: { type: 'string' }, queue: { type: 'string' }, concurrency: { type: 'string' }, 'runs-dir': { type: 'string' }, 'memory-budget': { type: 'string' }, top: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, (message) => new UsageError(message));
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.config && values.resume) throw new UsageError('--config and --resume cannot be used together: start a sweep from a file, or resume a stored one');
  if (!values.config && !values.resume) throw new UsageError('give --config FILE or --resume SWEEP_ID');
  // Checked before anything else: a URL refused (off loopback without a password) writes nothing.
  const target = values.queue === undefined ? undefined : parseRedisUrl(values.queue);
  if (target && values.concurrency !== undefined) throw new UsageError('--concurrency is a worker\'s choice on a queue: give it to npm run worker');
  const concurrency = values.concurrency === undefined ? availableParallelism() : flagNumber('concurrency', values.concurrency, 'positive integer');
  const top = values.top === undefined ? 10 : flagNumber('top', values.top, 'positive integer');
  if (values['runs-dir'] !== undefined) await checkRunsDirectory(values['runs-dir']);
  const log = values.json ? process.stderr : process.stdout;

  const store = new RunStore(values['runs-dir'] ?? defaultRunsDirectory(), process.env.npm_package_version ?? '0.0.0', undefined, { holder: 'npm run sweep' });
  // Trainer processes go from trial to trial: each loads its modules and decodes the dataset once.
  const supervisor = new RunSupervisor(store, nodeTrainerFactory(), { concurrency, reuseTrainers: true });
  await supervisor.recoverInterrupted();
  const runner = new SweepRunner(supervisor, { budget: memoryBudget(values['memory-budget']) });
  const queued = target ? new QueueSweep(runner, store, target) : undefined;
  const warn = (message: string): void => void log.write(`warning: ${message}\n`);
  const controller = new AbortController();
  // Ctrl+C (or SIGTERM) stops the trials in training, each with its checkpoint ("stopped", resumable); the
  // trainer processes ignore the terminal's SIGINT and wait for this stop. A second Ctrl+C quits at once.
  const stop = onStopSignals({
    write: (text) => log.write(text),
    onStop: () => controller.abort(),
    firstNote: '\nstopping the sweep: trials in progress are saved; resume with --resume\n',
    secondNote: '\nquitting at once: trials keep their last checkpoints\n',
  });
  const onTrial = (record: RunRecord, done: number, total: number): void => {
    const seconds = record.summary?.seconds;
    log.write(
      `[${String(done).padStart(String(total).length)}/${total}] #${(record.sweep?.trial ?? 0) + 1} ${record.status.padEnd(9)} val ${percent(validationAccuracy(record))}  train ${percent(record.summary?.trainAccuracy ?? null)}  ${describeParameters(record)}${seconds === undefined ? '' : `  (${seconds.toFixed(1)} s)`}${record.reason ? `  ${record.reason}` : ''}\n`,
    );
  };

  const onTrialStart = (record: RunRecord): void => {
    log.write(`started #${(record.sweep?.trial ?? 0) + 1} ${describeParameters(record)}\n`);
  };

  let result;
  if (values.config) {
    let json: unknown;
    try {
      json = JSON.parse(await readBoundedText(values.config, MAX_CONFIG_FILE_BYTES));
    } catch (error) {
      throw new UsageError(`cannot read ${values.config}: ${error instanceof FileRefusal ? error.reason : (error as Error).message}`);
    }
    const parsed = sweepSchema.safeParse(json);
    if (!parsed.success) throw new UsageError(`${values.config}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    log.write(`sweep "${parsed.data.name}": ${queued ? `on the queue at ${target!.shown}` : `${concurrency} at a time`}, runs in ${store.root}\n`);
    result = queued ? await queued.start(parsed.data, { onTrial, onTrialStart, onWarning: warn, signal: controller.signal }) : await runner.start(parsed.data, { onTrial, onTrialStart, signal: controller.signal });
  } else {
    log.write(`resuming sweep ${values.resume}${queued ? ` on the queue at ${target!.shown}` : ''}\n`);
    result = queued ? await queued.resume(values.resume!, { onTrial, onTrialStart, onWarning: warn, signal: controller.signal }) : await runner.resume(values.resume!, { onTrial, onTrialStart, signal: controller.signal });
  }
  stop.dispose();
  // Ends the trainer processes kept warm between trials (nothing trains by now).
  await supervisor.shutdown();
  const finished = result.ranked.length + result.unranked.length;
  const completed = [...result.ranked, ...result.unranked].filter((r) => r.status === 'completed').length;
  const where = queued ? `on the queue at ${target!.shown}` : `with ${concurrency} worker${concurrency === 1 ? '' : 's'}`;
  log.write(`\nsweep ${result.id}: ${finished} trials (${completed} completed) in ${result.seconds.toFixed(1)} s, ${((completed / result.seconds) * 60).toFixed(1)} trials/min ${where}\n`);
  log.write(`rank  val acc  train acc  trial  parameters\n`);
  result.ranked.slice(0, top).forEach((record, index) => {
    log.write(`${String(index + 1).padStart(4)}  ${percent(validationAccuracy(record))}   ${percent(record.summary?.trainAccuracy ?? null)}  #${String((record.sweep?.trial ?? 0) + 1).padEnd(4)} ${describeParameters(record)}\n`);
  });
  // Stopped, failed and diverged trials have no result to rank by.
  for (const record of result.unranked) log.write(`   –  ${record.status.padEnd(9)}         #${String((record.sweep?.trial ?? 0) + 1).padEnd(4)} ${describeParameters(record)}\n`);
  if (values.json) {
    const trial = (r: RunRecord, rank: number | null) => ({ trial: r.sweep?.trial, rank, status: r.status, validationAccuracy: validationAccuracy(r), trainAccuracy: r.summary?.trainAccuracy ?? null, parameters: r.sweep?.parameters, runId: r.id, ...(r.worker ? { worker: r.worker } : {}) });
    const trials = [...result.ranked.map((r, i) => trial(r, i + 1)), ...result.unranked.map((r) => trial(r, null))];
    process.stdout.write(`${JSON.stringify({ id: result.id, seconds: result.seconds, concurrency, trials })}\n`);
  }
  return controller.signal.aborted ? 130 : 0;
}

runCli(main, { usage: USAGE, inputErrors: ['UsageError', 'ConfigError', 'FlagError', 'QueueUrlError'] });
