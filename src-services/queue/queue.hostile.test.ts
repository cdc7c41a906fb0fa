import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../src-shared/config';
import { sweepSchema } from '../../src-shared/sweep';
import { writeDenseIdxDataset } from '../data/idx-fixtures';
import { RunStore } from '../runs/run-store';
import { SweepRunner } from '../sweeps/sweep-runner';
import { RunSupervisor } from '../trainers/run-supervisor';
import { testTrainerFactory } from '../trainers/test-trainers';
import { connectionOptions } from './connection';
import { datasetIdentity } from './dataset-checksum';
import { QueueSweep } from './queue-sweep';
import { QueueWorker } from './queue-worker';
import { TRIAL_QUEUE, trialFilesKey, trialJobId } from './queue-keys';
import { parseRedisUrl } from './redis-url';
import { freePort, startTestRedis } from './test-support/redis-server';

const root = mkdtempSync(join(tmpdir(), 'bpw-queue-hostile-'));
const dataset = join(root, 'dense');
const sweep = (values: number[]) =>
  sweepSchema.parse({
    name: 'hostile',
    base: { dataset: { kind: 'idx', path: dataset }, network: { hiddenSizes: [4] }, backend: 'ts' },
    parameters: [{ kind: 'grid', path: 'optimizer.lr', values }],
    trainSubset: 100,
    epochs: 1,
  });
const coordinator = (store: RunStore, url: string): QueueSweep => new QueueSweep(new SweepRunner(new RunSupervisor(store, testTrainerFactory(), { concurrency: 1 })), store, parseRedisUrl(url));
beforeAll(() => writeDenseIdxDataset(dataset, { train: 100, test: 50 }));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a queue that cannot be reached', () => {
  it('is a clear error naming the server (never its password), and nothing is written', async () => {
    const port = await freePort();
    const store = new RunStore(join(root, 'unreachable'), '0.0.0-test');
    await expect(coordinator(store, `redis://sweeper:topsecret@127.0.0.1:${port}`).start(sweep([0.1]))).rejects.toThrow(
      new RegExp(`^cannot reach the queue's Redis server at redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
    await expect(coordinator(store, `redis://sweeper:topsecret@127.0.0.1:${port}`).start(sweep([0.1]))).rejects.not.toThrow(/topsecret/);
    expect(existsSync(store.root)).toBe(false);
    await expect(QueueWorker.start({ target: parseRedisUrl(`redis://127.0.0.1:${port}`), concurrency: 1, factory: testTrainerFactory() })).rejects.toThrow(`cannot reach the queue's Redis server at redis://127.0.0.1:${port}`);
  });
});

const redis = await startTestRedis();
const url = 'url' in redis ? redis.url : '';

describe.skipIf(!('url' in redis))('hostile messages on a real queue', () => {
  afterAll(async () => {
    if ('stop' in redis) await redis.stop();
  });

  it('a worker refuses, with the reason, jobs that are not trials, whose id lies, or whose dataset differs from its copy', async () => {
    const worker = await QueueWorker.start({ target: parseRedisUrl(url), concurrency: 1, cores: 1, factory: testTrainerFactory() });
    const connection = connectionOptions(parseRedisUrl(url));
    const queue = new Queue(TRIAL_QUEUE, { connection });
    const events = new QueueEvents(TRIAL_QUEUE, { connection });
    await events.waitUntilReady();
    const config = parseTrainConfig({ dataset: { kind: 'idx', path: dataset }, backend: 'ts', training: { iterations: 1 } });
    const good = { runId: 'r1', name: 'trial', sweep: { id: 'sw', name: 'sw', trial: 0, parameters: {} }, config, dataset: await datasetIdentity(config.dataset) };
    const failure = async (jobId: string, data: unknown): Promise<string> => {
      const job = await queue.add('trial', data, { jobId });
      return job.waitUntilFinished(events).then(
        () => 'completed',
        (error: Error) => error.message,
      );
    };
    expect(await failure(trialJobId('sw', 0), { ...good, runId: '../../etc' })).toBe(`job sw.trial-0 is not a trial: runId: must be letters, digits, ".", "_" or "-"`);
    expect(await failure('sw.trial-1', { ...good, extra: 'field' })).toMatch(/^job sw\.trial-1 is not a trial: \(job\): Unrecognized key: "extra"/);
    expect(await failure('sw.trial-2', { ...good, config: { ...config, training: { ...config.training, batchSize: -5 } } })).toMatch(/^job sw\.trial-2 is not a trial: config\.training\.batchSize: /);
    expect(await failure('sw.trial-3', 'a string')).toMatch(/^job sw\.trial-3 is not a trial: \(job\): /);
    expect(await failure('other-id', good)).toBe('job other-id is not a trial: its id does not match its sweep and trial');
    const wrongData = { ...good, sweep: { ...good.sweep, trial: 5 }, dataset: { name: 'dense', checksum: '0'.repeat(64) } };
    expect(await failure('sw.trial-5', wrongData)).toBe(
      `worker ${worker.placement.id} refused the trial: its copy of the dataset "dense" (sha256 ${good.dataset.checksum.slice(0, 12)}…) is not the sweep's (sha256 000000000000…); give it the same files`,
    );
    await worker.close();
    // A machine whose budget the trial does not fit refuses it too, saying so.
    const small = await QueueWorker.start({ target: parseRedisUrl(url), concurrency: 1, cores: 1, factory: testTrainerFactory(), memoryBudget: { bytes: 1000, source: 'the test' } });
    expect(await failure('sw.trial-6', { ...good, sweep: { ...good.sweep, trial: 6 } })).toMatch(new RegExp(`^worker ${small.placement.id.replaceAll('.', '\\.')} refused the trial: .*budget`));
    await Promise.all([events.close(), queue.close(), small.close()]);
  });

  it('the coordinator refuses files and results that a worker could not have sent: the trial fails with the reason, nothing else is written', async () => {
    const target = parseRedisUrl(url);
    const client = new Redis(connectionOptions(target));
    // A forged worker: bad files for trial 0, a result that is not one for trial 1; both report a bad progress message first.
    const forged = new Worker(
      TRIAL_QUEUE,
      async (job) => {
        await job.updateProgress({ type: 'evaluation', worker: { id: 'x', host: 'h' }, evaluation: { iteration: 'all of them' } });
        const trial = (job.data as { sweep: { trial: number } }).sweep.trial;
        if (trial === 1) return { status: 'hacked', finishedAt: 'now', worker: { id: 'x', host: 'h' } };
        await client.hset(trialFilesKey(job.id!), { metrics: 'not json\n' });
        return { status: 'completed', finishedAt: new Date().toISOString(), worker: { id: 'x', host: 'h' } };
      },
      { connection: connectionOptions(target) },
    );
    const store = new RunStore(join(root, 'forged'), '0.0.0-test');
    const result = await coordinator(store, url).start(sweep([0.1, 0.2]));
    await forged.close();
    client.disconnect();
    expect(result.ranked).toEqual([]);
    expect(result.unranked.map((r) => [r.sweep!.trial, r.status])).toEqual([[0, 'failed'], [1, 'failed']]);
    expect(result.unranked[0]!.reason).toBe(`the files sent for trial ${trialJobId(result.id, 0)} are refused: metrics.jsonl line 1 is not JSON`);
    expect(result.unranked[1]!.reason).toMatch(/^its worker's result is refused: status: /);
    // The bad progress message was dropped: no evaluation reached the run's metrics.
    for (const record of result.unranked) expect((await store.metrics(record.id)).evaluations).toEqual([]);
    expect(readdirSync(store.root).filter((f) => !f.endsWith('.json'))).toHaveLength(2);
  });
});
