import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseTrainConfig, type TrainConfigInput } from '../../src-shared/config';
import { writeDenseIdxDataset } from '../data/idx-fixtures';
import { RunStore } from '../runs/run-store';
import { RunSupervisor } from './run-supervisor';
import { testTrainerFactory } from './test-trainers';

// Real trainer processes, each run's process recorded by its pid when the run is ready.
const supervisors: RunSupervisor[] = [];
async function supervisor(reuseTrainers: boolean): Promise<{ sup: RunSupervisor; pids: Map<string, number | undefined> }> {
  const sup = new RunSupervisor(new RunStore(join(await mkdtemp(join(tmpdir(), 'bpw-reuse-')), 'runs')), testTrainerFactory(), { concurrency: 1, reuseTrainers });
  supervisors.push(sup);
  const pids = new Map<string, number | undefined>();
  sup.subscribe((event) => {
    if (event.kind === 'trainer' && event.event.type === 'ready') pids.set(event.runId, sup.processOf(event.runId)?.pid);
  });
  return { sup, pids };
}
afterEach(async () => {
  for (const sup of supervisors.splice(0)) await sup.shutdown();
});

let base: TrainConfigInput;
beforeAll(async () => {
  const path = join(await mkdtemp(join(tmpdir(), 'bpw-reuse-data-')), 'dense');
  await writeDenseIdxDataset(path, { train: 600, test: 200 });
  // A sweep trial's shape: a training subset with a held-out validation set; the backend the host picks (native where built).
  base = { dataset: { kind: 'idx', path }, network: { hiddenSizes: [16, 16] }, training: { epochs: 3, batchSize: 50, trainSubset: 600, validationFraction: 0.2 } };
});

async function trainedBytes(sup: RunSupervisor, id: string): Promise<{ losses: unknown; evaluations: unknown; weights: Record<string, string> }> {
  const lines = await sup.store.readMetrics(id);
  const checkpoint = await sup.store.readCheckpoint(id);
  const weights: Record<string, string> = {};
  for (const [name, tensor] of Object.entries(checkpoint!.tensors)) weights[name] = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength).toString('base64');
  return {
    losses: lines.flatMap((l) => (l.type === 'losses' ? l.values : [])),
    evaluations: lines.flatMap((l) => (l.type === 'evaluation' ? [l] : [])),
    weights,
  };
}

describe('trainer processes reused from run to run', () => {
  it('a run trained in a process that trained another before gives bit-identical losses, evaluations and weights to a fresh process', async () => {
    const reused = await supervisor(true);
    const first = await reused.sup.enqueue(parseTrainConfig({ ...base, seed: 3, optimizer: { type: 'adam', lr: 0.01 } }), { name: 'first' });
    const second = await reused.sup.enqueue(parseTrainConfig({ ...base, seed: 5, optimizer: { type: 'sgd', lr: 0.1 } }), { name: 'second' });
    await reused.sup.whenIdle();
    expect((await reused.sup.store.get(second.id)).status).toBe('completed');
    // One process trained both.
    expect(reused.pids.get(first.id)).toBeDefined();
    expect(reused.pids.get(second.id)).toBe(reused.pids.get(first.id));

    const fresh = await supervisor(false);
    const reference = await fresh.sup.enqueue(parseTrainConfig({ ...base, seed: 5, optimizer: { type: 'sgd', lr: 0.1 } }), { name: 'reference' });
    await fresh.sup.whenIdle();
    const [got, want] = await Promise.all([trainedBytes(reused.sup, second.id), trainedBytes(fresh.sup, reference.id)]);
    expect(want.losses).not.toEqual([]);
    expect(got).toEqual(want);
  });

  it('a process killed mid-run is not lent again: the next run starts in a fresh process and completes', async () => {
    const { sup, pids } = await supervisor(true);
    const victim = await sup.enqueue(parseTrainConfig({ ...base, training: { ...base.training, epochs: 100_000 } }), { name: 'victim' });
    await new Promise<void>((resolve) => {
      const off = sup.subscribe((e) => {
        if (e.runId === victim.id && e.kind === 'trainer' && e.event.type === 'epoch') {
          off();
          sup.processOf(victim.id)!.kill('SIGKILL');
          resolve();
        }
      });
    });
    await sup.whenIdle();
    expect((await sup.store.get(victim.id)).status).toBe('failed');
    const next = await sup.enqueue(parseTrainConfig(base), { name: 'next' });
    await sup.whenIdle();
    expect((await sup.store.get(next.id)).status).toBe('completed');
    expect(pids.get(next.id)).toBeDefined();
    expect(pids.get(next.id)).not.toBe(pids.get(victim.id));
  });
});
