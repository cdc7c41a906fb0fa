import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainConfig } from '../src-shared/config';
import { RunStore } from '../src-services/runs/run-store';
import { RunSupervisor } from '../src-services/trainers/run-supervisor';
import { nodeTrainerFactory } from '../src-services/trainers/trainer-process';

export interface MessageRate {
  readonly iterations: number;
  readonly seconds: number;
  readonly iterationsPerSecond: number;
  readonly progressEvents: number;
  readonly progressEventsPerSecond: number;
  /** Host (main-process stand-in) CPU time over wall time while the run streamed. */
  readonly hostCpuFraction: number;
}

/**
 * Streams a fast run (a small net, thousands of iterations per second) through the supervisor and a real
 * trainer process, counting the progress events that reach the host and the host's CPU time.
 */
export async function measureMessageRate(): Promise<MessageRate> {
  const root = await mkdtemp(join(tmpdir(), 'bpw-bench-'));
  const supervisor = new RunSupervisor(new RunStore(join(root, 'runs')), nodeTrainerFactory(), { concurrency: 1 });
  let progressEvents = 0;
  let firstProgress = 0;
  let lastProgress = 0;
  let iterations = 0;
  let cpuAtFirst: NodeJS.CpuUsage | undefined;
  let cpuAtLast: NodeJS.CpuUsage | undefined;
  supervisor.subscribe((event) => {
    if (event.kind !== 'trainer' || event.event.type !== 'progress') return;
    const now = performance.now();
    if (progressEvents === 0) {
      firstProgress = now;
      cpuAtFirst = process.cpuUsage();
    }
    progressEvents++;
    lastProgress = now;
    cpuAtLast = process.cpuUsage(cpuAtFirst);
    iterations = event.event.iteration;
  });
  await supervisor.enqueue(
    parseTrainConfig({ network: { hiddenSizes: [10] }, training: { iterations: 20000, batchSize: 10, evaluateEvery: 10_000_000 }, dtype: 'float32' }),
  );
  await supervisor.whenIdle();
  await rm(root, { recursive: true, force: true });
  const seconds = (lastProgress - firstProgress) / 1000;
  const cpuSeconds = cpuAtLast ? (cpuAtLast.user + cpuAtLast.system) / 1e6 : 0;
  return {
    iterations,
    seconds,
    iterationsPerSecond: seconds > 0 ? iterations / seconds : 0,
    progressEvents,
    progressEventsPerSecond: seconds > 0 ? (progressEvents - 1) / seconds : 0,
    hostCpuFraction: seconds > 0 ? cpuSeconds / seconds : 0,
  };
}
