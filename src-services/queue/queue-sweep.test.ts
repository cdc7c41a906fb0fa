import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunRecord } from '../../src-shared/run-record';
import { sweepSchema } from '../../src-shared/sweep';
import { validationAccuracy } from '../../src-shared/sweep-progress';
import { writeDenseIdxDataset } from '../data/idx-fixtures';
import { RunStore } from '../runs/run-store';
import { SweepRunner } from '../sweeps/sweep-runner';
import { RunSupervisor } from '../trainers/run-supervisor';
import { testTrainerFactory } from '../trainers/test-trainers';
import { QueueSweep } from './queue-sweep';
import { QueueWorker, type QueueWorkerOptions } from './queue-worker';
import { TRIAL_QUEUE } from './queue-keys';
import { parseRedisUrl } from './redis-url';
import { startTestRedis } from './test-support/redis-server';

const redis = await startTestRedis();
const url = 'url' in redis ? redis.url : '';

describe.skipIf(!('url' in redis))('sweeps on a BullMQ queue with a real Redis', () => {
  const root = mkdtempSync(join(tmpdir(), 'bpw-queue-'));
  const dataset = join(root, 'dense');
  beforeAll(() => writeDenseIdxDataset(dataset, { train: 600, test: 200 }));
  afterAll(async () => {
    if ('stop' in redis) await redis.stop();
    rmSync(root, { recursive: true, force: true });
  });
  // The TypeScript backend: every process computes the same numbers whatever its thread share.
  const sweep = sweepSchema.parse({
    name: 'queued',
    base: { dataset: { kind: 'idx', path: dataset }, network: { hiddenSizes: [8] }, training: { evaluationSamples: 200 }, backend: 'ts' },
    parameters: [{ kind: 'grid', path: 'optimizer.lr', values: [0.001, 0.1, 0.5, 0.05] }],
    trainSubset: 600,
    epochs: 2,
    seed: 4,
  });
  const target = () => parseRedisUrl(url);
  let stores = 0;
  const newStore = (): RunStore => new RunStore(join(root, `runs-${++stores}`), '0.0.0-test');
  const coordinator = (store: RunStore): QueueSweep => new QueueSweep(new SweepRunner(new RunSupervisor(store, testTrainerFactory(), { concurrency: 1 })), store, target());
  // Short locks: a worker that stops answering loses its trial within seconds.
  const workerOptions = (log?: (line: string) => void): QueueWorkerOptions => ({
    target: target(),
    concurrency: 1,
    cores: 1,
    factory: testTrainerFactory(),
    checkpointEveryMs: 0,
    heartbeatMs: 1000,
    lockDurationMs: 2000,
    stalledIntervalMs: 1000,
    ...(log ? { log } : {}),
  });
  const rankingOf = (ranked: readonly RunRecord[]) => ranked.map((r) => [r.sweep!.trial, validationAccuracy(r)]);
  const trialFolders = (store: RunStore) => readdirSync(store.root).filter((f) => !f.endsWith('.json'));

  it('a sweep over 2 workers ranks its trials exactly as the local run of the same seed, each trial placed on a worker', async () => {
    const localStore = newStore();
    const local = await new SweepRunner(new RunSupervisor(localStore, testTrainerFactory(), { concurrency: 2 })).start(sweep);

    const workers = await Promise.all([QueueWorker.start(workerOptions()), QueueWorker.start(workerOptions())]);
    const store = newStore();
    const seenWorkers = await coordinator(store).workers();
    const queued = await coordinator(store).start(sweep);
    await Promise.all(workers.map((w) => w.close()));

    expect(local.ranked).toHaveLength(4);
    expect(rankingOf(queued.ranked)).toEqual(rankingOf(local.ranked));
    expect(queued.ranked.map((r) => r.summary!.trainAccuracy)).toEqual(local.ranked.map((r) => r.summary!.trainAccuracy));
    const ids = new Set(workers.map((w) => w.placement.id));
    expect(queued.ranked.every((r) => ids.has(r.worker!.id))).toBe(true);
    expect(seenWorkers.map((w) => w.id).sort()).toEqual([...ids].sort());
    // The coordinator's store holds each trial's files, written there by it alone.
    expect(trialFolders(store)).toHaveLength(4);
    const stored = await store.get(queued.ranked[0]!.id);
    expect(stored.status).toBe('completed');
    expect(await store.hasCheckpoint(stored.id)).toBe(true);
    const metrics = await store.metrics(stored.id);
    expect(metrics.evaluations.at(-1)!.final).toBe(true);
    // Recorded jobs leave the queue.
    const queue = new Queue(TRIAL_QUEUE, { connection: { host: '127.0.0.1', port: target().port } });
    expect(await queue.getJobCounts('completed', 'waiting', 'active')).toMatchObject({ completed: 0, waiting: 0, active: 0 });
    await queue.close();
  });

  it('a worker killed (SIGKILL) mid-trial: its trial goes to another worker, which continues from its checkpoint; every trial recorded once', async () => {
    const store = newStore();
    const small = { ...sweep, parameters: [{ kind: 'grid' as const, path: 'optimizer.lr', values: [0.1, 0.05] }] };
    const entries = inject('trainerEntries');
    // This worker's trainers pause by themselves after step 3 (a checkpoint is written and sent at the pause).
    const doomed = spawn(process.execPath, [entries.queueWorker, url, entries.pausing, '3'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const sent = new Promise<string>((resolve) => createInterface({ input: doomed.stdout! }).on('line', (line) => line.startsWith('checkpoint-sent pause ') && resolve(line.slice('checkpoint-sent pause '.length))));
    const sweepDone = coordinator(store).start(small);
    const heldJob = await sent;
    const killed = new Promise((resolve) => doomed.once('exit', resolve));
    doomed.kill('SIGKILL');
    await killed;
    const lines: string[] = [];
    const rescuer = await QueueWorker.start(workerOptions((line) => lines.push(line)));
    const result = await sweepDone;
    await rescuer.close();

    expect(result.ranked.map((r) => r.status)).toEqual(['completed', 'completed']);
    expect(result.unranked).toEqual([]);
    expect(new Set(result.ranked.map((r) => r.sweep!.trial))).toEqual(new Set([0, 1]));
    expect(trialFolders(store)).toHaveLength(2);
    expect(result.ranked.every((r) => r.worker!.id === rescuer.placement.id)).toBe(true);
    expect(lines).toContain(`trial ${heldJob}: continued from iteration 3\n`);
    // The continued trial's curve has every step once: its losses run on from where the checkpoint stood.
    const trial = result.ranked.find((r) => `${r.sweep!.id}.trial-${r.sweep!.trial}` === heldJob)!;
    const steps = (await store.readMetrics(trial.id)).flatMap((line) => (line.type === 'losses' ? line.values.map((_, i) => line.start + i) : []));
    expect(steps).toEqual(Array.from({ length: trial.summary!.iterations }, (_, i) => i));
  });

  it('a coordinator that stops mid-sweep reattaches on resume: the sweep completes, each trial once', async () => {
    const store = newStore();
    const workers = await Promise.all([QueueWorker.start(workerOptions()), QueueWorker.start(workerOptions())]);
    const controller = new AbortController();
    const first = await coordinator(store).start(sweep, { signal: controller.signal, onTrial: () => controller.abort() });
    expect(first.ranked.length + first.unranked.length).toBe(4);
    expect(first.ranked.length).toBeGreaterThanOrEqual(1);
    expect(first.ranked.length).toBeLessThan(4);
    const resumed = await coordinator(store).resume(first.id);
    await Promise.all(workers.map((w) => w.close()));
    expect(resumed.ranked).toHaveLength(4);
    expect(resumed.ranked.every((r) => r.status === 'completed')).toBe(true);
    expect(new Set(resumed.ranked.map((r) => r.sweep!.trial))).toEqual(new Set([0, 1, 2, 3]));
    expect(trialFolders(store)).toHaveLength(4);
  });

  it('a coordinator killed (SIGKILL) mid-sweep: `npm run sweep -- --resume ID --queue URL` reattaches, every trial recorded once', async () => {
    const dir = join(root, 'killed-coordinator');
    const file = join(root, 'killed-coordinator.json');
    writeFileSync(file, JSON.stringify(sweep));
    const workers = await Promise.all([QueueWorker.start(workerOptions()), QueueWorker.start(workerOptions())]);
    const cli = (...args: string[]) => spawn(process.execPath, ['--import', 'tsx', 'src-cli/sweep.ts', '--runs-dir', dir, '--queue', url, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const first = cli('--config', file);
    // Killed as soon as it has recorded its first trial: the others are queued or training on the workers.
    await new Promise<void>((resolve) => createInterface({ input: first.stdout! }).on('line', (line) => /^\[1\/4\]/.test(line) && resolve()));
    const killed = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await killed;
    const id = readdirSync(dir).find((f) => f.startsWith('sweep-'))!.slice('sweep-'.length, -'.json'.length);
    const second = cli('--resume', id, '--json');
    let json = '';
    let log = '';
    second.stdout!.on('data', (chunk: Buffer) => (json += chunk.toString()));
    second.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const code = await new Promise((resolve) => second.once('exit', resolve));
    await Promise.all(workers.map((w) => w.close()));
    expect(code, log).toBe(0);
    const result = JSON.parse(json.trim().split('\n').at(-1)!) as { trials: Array<{ trial: number; status: string; rank: number | null }> };
    expect(result.trials.map((t) => t.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(result.trials.map((t) => t.trial).sort()).toEqual([0, 1, 2, 3]);
    expect(readdirSync(dir).filter((f) => !f.endsWith('.json'))).toHaveLength(4);
  });
});
