import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEnvelope, SweepQueueState, WorkbenchEvent } from '../../src-shared/api';
import type { RunRecord } from '../../src-shared/run-record';
import { writeDenseIdxDataset } from '../data/idx-fixtures';
import { QueueWorker } from '../queue/queue-worker';
import { parseRedisUrl } from '../queue/redis-url';
import { startTestRedis } from '../queue/test-support/redis-server';
import { RunStore } from '../runs/run-store';
import { RunSupervisor } from '../trainers/run-supervisor';
import { testTrainerFactory } from '../trainers/test-trainers';
import { WorkbenchService } from './workbench-service';

const root = mkdtempSync(join(tmpdir(), 'bpw-sweep-queue-api-'));
const dataset = join(root, 'tiny');
beforeAll(() => writeDenseIdxDataset(dataset, { train: 200, test: 40, rows: 4, cols: 4, classes: 4 }));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sweep = {
  name: 'api queue',
  base: { dataset: { kind: 'idx', path: dataset }, network: { inputSize: 16, hiddenSizes: [4] }, training: { iterations: 5, evaluationSamples: 40 }, backend: 'ts' },
  parameters: [{ kind: 'grid', path: 'optimizer.lr', values: [0.1, 0.2] }],
};

function service(name: string, queueUrl?: string): WorkbenchService {
  const runs = join(root, name);
  const factory = testTrainerFactory();
  return new WorkbenchService({
    supervisor: new RunSupervisor(new RunStore(runs, '0.0.0-test'), factory, { concurrency: 1 }),
    trainerFactory: factory,
    info: { mode: 'web', platform: 'test', cores: 1, runsDirectory: runs, versions: { app: '0.0.0-test', node: 'test' } },
    ...(queueUrl ? { sweepQueue: parseRedisUrl(queueUrl) } : {}),
  });
}

const value = <T>(envelope: ApiEnvelope): T => {
  if (!envelope.ok) throw new Error(envelope.error);
  return envelope.value as T;
};

describe('the sweeps API without a job queue (the default)', () => {
  it('says so, and refuses to run a sweep on one', async () => {
    const host = service('no-queue');
    expect(value<SweepQueueState>(await host.handle('sweepQueue', {}))).toEqual({ url: null, workers: [], problem: null });
    expect(await host.handle('startSweep', { sweep, onQueue: true })).toEqual({ ok: false, error: 'this host has no job queue: start it with --queue redis://HOST:PORT to run sweeps on workers' });
    await host.shutdown();
  });
});

const redis = await startTestRedis();
const url = 'url' in redis ? redis.url : '';

describe.skipIf(!('url' in redis))('the sweeps API with a job queue', () => {
  afterAll(async () => {
    if ('stop' in redis) await redis.stop();
  });

  it('lists the workers, runs a sweep on them and reports each trial live, with its placement', async () => {
    const host = service('queue', url);
    const worker = await QueueWorker.start({ target: parseRedisUrl(url), concurrency: 1, cores: 1, factory: testTrainerFactory(), heartbeatMs: 1000 });
    const state = value<SweepQueueState>(await host.handle('sweepQueue', {}));
    expect(state.url).toBe(url);
    expect(state.workers.map((w) => [w.id, w.host, w.trialsDone, w.current])).toEqual([[worker.placement.id, worker.placement.host, 0, []]]);

    const events: WorkbenchEvent[] = [];
    const ended = new Promise<void>((resolve) =>
      host.subscribe((event) => {
        events.push(event);
        if (event.type === 'sweep' && !event.active) resolve();
      }),
    );
    const { id } = value<{ id: string }>(await host.handle('startSweep', { sweep, onQueue: true }));
    await ended;
    const runs = (record: RunRecord): boolean => record.sweep?.id === id;
    const seen = events.flatMap((e) => (e.type === 'run' && runs(e.record) ? [e.record] : []));
    // Each trial was seen queued, then training on the worker, then completed there.
    for (const trial of [0, 1]) {
      const statuses = seen.filter((r) => r.sweep!.trial === trial).map((r) => r.status);
      expect(statuses[0]).toBe('queued');
      expect(statuses).toContain('running');
      expect(statuses.at(-1)).toBe('completed');
    }
    expect(seen.filter((r) => r.status === 'completed').every((r) => r.worker?.id === worker.placement.id)).toBe(true);
    expect(value<SweepQueueState>(await host.handle('sweepQueue', {})).workers[0]!.trialsDone).toBe(2);
    await worker.close();
    await host.shutdown();
  });

  it('an unreachable queue refuses the start with a clear message, and stores nothing', async () => {
    const host = service('gone', 'redis://127.0.0.1:1');
    const answer = await host.handle('startSweep', { sweep, onQueue: true });
    expect(answer).toMatchObject({ ok: false, error: expect.stringMatching(/^cannot reach the queue's Redis server at redis:\/\/127\.0\.0\.1:1: /) });
    expect(value<unknown[]>(await host.handle('listSweeps', {}))).toEqual([]);
    expect(value<SweepQueueState>(await host.handle('sweepQueue', {})).problem).toMatch(/^cannot reach/);
    await host.shutdown();
  });
});
