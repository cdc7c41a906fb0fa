import { appendFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../src-shared/config';
import { Tensor } from '../../src-engine/tensor';
import { decodeCheckpoint, encodeCheckpoint, writeCheckpointAtomic } from './checkpoint';
import { MetricsWriter } from './metrics-writer';
import { CHECKPOINT_FILE, METRICS_FILE, RUN_FILE } from './run-layout';
import { RunStore } from './run-store';

/** A store whose clock moves one second at each reading, from a fixed date. */
async function freshStore(): Promise<RunStore> {
  let tick = 0;
  return new RunStore(join(await mkdtemp(join(tmpdir(), 'bpw-runs-')), 'runs'), '1.2.3', () => new Date(Date.UTC(2025, 0, 1, 0, 0, tick++)));
}

describe('RunStore', () => {
  it('creates, updates, renames, lists newest first and deletes runs', async () => {
    const store = await freshStore();
    const a = await store.create(parseTrainConfig({ seed: 1 }));
    const b = await store.create(parseTrainConfig({ network: { hiddenSizes: [100, 100] } }), { name: 'deep' });
    expect(a.name).toBe('784-50-10 relu sgd lr 0.1');
    expect(a.versions.app).toBe('1.2.3');
    expect([a.createdAt, b.createdAt]).toEqual(['2025-01-01T00:00:00.000Z', '2025-01-01T00:00:01.000Z']);
    expect(a.id).toMatch(/^2025-01-01T00-00-00-000Z-[0-9a-f]{6}$/);
    await store.update(a.id, { status: 'completed', summary: { iterations: 10, trainAccuracy: 0.5, testAccuracy: 0.4, bestTestAccuracy: 0.45, seconds: 1 } });
    await store.rename(b.id, '  deeper  ');
    const listed = await store.list();
    expect(listed.map((l) => (l.kind === 'ok' ? [l.record.name, l.record.status] : l.kind))).toEqual([['deeper', 'queued'], ['784-50-10 relu sgd lr 0.1', 'completed']]);
    await expect(store.rename(a.id, '   ')).rejects.toThrow(/cannot be empty/);
    expect((await store.get(b.id)).updatedAt).toBe('2025-01-01T00:00:03.000Z');
    await store.delete(b.id);
    expect((await store.list()).map((l) => (l.kind === 'ok' ? l.record.id : l.kind))).toEqual([a.id]);
    expect(() => store.directory('../etc')).toThrow(/invalid run id/);
  });

  it('lists damaged and future-version run directories with the problem instead of failing', async () => {
    const store = await freshStore();
    const good = await store.create(parseTrainConfig({}));
    // A folder named as the store names runs is one, even without run.json; a foreign folder is not listed.
    await mkdir(join(store.root, '2024-05-06T07-08-09-010Z-abcdef'));
    await mkdir(join(store.root, 'not-a-run'));
    await mkdir(join(store.root, 'bad-json'));
    await writeFile(join(store.root, 'bad-json', RUN_FILE), '{ "id": ');
    await mkdir(join(store.root, 'bad-field'));
    await writeFile(join(store.root, 'bad-field', RUN_FILE), JSON.stringify({ ...(await store.get(good.id)), id: 'bad-field', status: 'exploded' }));
    await mkdir(join(store.root, 'future'));
    await writeFile(join(store.root, 'future', RUN_FILE), JSON.stringify({ formatVersion: 99, id: 'future' }));
    const listed = await store.list();
    const problems: Record<string, string> = {};
    for (const l of listed) if (l.kind !== 'ok') problems[l.id] = `${l.kind}: ${l.problem}`;
    expect(problems['2024-05-06T07-08-09-010Z-abcdef']).toMatch(/damaged: run.json is missing/);
    expect(problems['not-a-run']).toBeUndefined();
    expect(problems['bad-json']).toMatch(/damaged: run.json is not valid JSON/);
    expect(problems['bad-field']).toMatch(/damaged: run.json: status:/);
    expect(problems.future).toMatch(/future-version: written by a newer version \(format 99/);
    expect(listed.filter((l) => l.kind === 'ok')).toHaveLength(1);
    await expect(store.get('bad-json')).rejects.toThrow(/run bad-json is damaged/);
  });

  it('lists again from what it read, yet never a stale record: rewrites, edits in place, damage and deletions show', async () => {
    const store = await freshStore();
    const a = await store.create(parseTrainConfig({}), { name: 'a' });
    const b = await store.create(parseTrainConfig({}), { name: 'b' });
    const names = async (): Promise<string[]> => (await store.list()).map((l) => (l.kind === 'ok' ? `${l.record.name}:${l.record.status}` : `${l.kind}:${l.id}`));
    expect(await names()).toEqual(['b:queued', 'a:queued']);
    await store.rename(a.id, 'a2');
    await store.update(b.id, { status: 'stopped' });
    expect(await names()).toEqual(['b:stopped', 'a2:queued']);
    // Another program edits run.json in place (same file, same size): listed as it now is.
    const file = join(store.directory(a.id), RUN_FILE);
    await writeFile(file, (await readFile(file, 'utf8')).replace('"a2"', '"a3"'));
    expect(await names()).toEqual(['b:stopped', 'a3:queued']);
    await writeFile(file, '{ torn');
    expect(await names()).toEqual(['b:stopped', `damaged:${a.id}`]);
    await store.delete(a.id);
    expect(await names()).toEqual(['b:stopped']);
  });

  it('reads what the metrics writer appends and drops a torn last line left by a crash', async () => {
    const store = await freshStore();
    const run = await store.create(parseTrainConfig({}));
    const writer = new MetricsWriter(join(store.directory(run.id), METRICS_FILE));
    writer.addLoss(0, 2.3);
    writer.addLoss(1, 2.2);
    writer.addEvaluation({ iteration: 1, epoch: 0, trainAccuracy: 0.1, testAccuracy: 0.11, trainLoss: 2.2, testLoss: 2.25, final: false });
    await appendFile(join(store.directory(run.id), METRICS_FILE), '{"type":"losses","sta');
    const lines = await store.readMetrics(run.id);
    expect(lines.map((l) => l.type)).toEqual(['losses', 'evaluation']);
  });

  it('checkpoints round-trip bit for bit through an atomic write, and damage is reported', async () => {
    const store = await freshStore();
    const run = await store.create(parseTrainConfig({ dtype: 'float64' }));
    const W1 = Tensor.from([0.1, -2, 3.5e-300, Math.PI, 7, 8], [2, 3], 'float64');
    const b1 = Tensor.from([1, 2, 3], [3], 'float64');
    const file = join(store.directory(run.id), CHECKPOINT_FILE);
    writeCheckpointAtomic(file, { W1, b1 }, { iteration: 600, rng: { words: [1, 2, 3, 4], spareNormal: null } });
    writeCheckpointAtomic(file, { W1, b1 }, { iteration: 1200 });
    const loaded = (await store.readCheckpoint(run.id))!;
    expect(loaded.meta).toEqual({ iteration: 1200 });
    expect(Array.from(loaded.tensors.W1.data)).toEqual(Array.from(W1.data));
    expect(loaded.tensors.W1.shape).toEqual([2, 3]);
    expect(loaded.dtype).toBe('float64');
    expect((await readdir(store.directory(run.id))).sort()).toEqual(['checkpoint.bin', 'run.json']);
    const bytes = encodeCheckpoint({ W: Tensor.from([1, 2], [2], 'float32') }, {});
    expect(Array.from(decodeCheckpoint(bytes, 'x').tensors.W.data)).toEqual([1, 2]);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 1), 'cp.bin')).toThrow(/cp.bin: truncated: tensor W/);
    expect(() => decodeCheckpoint(new Uint8Array(20), 'cp.bin')).toThrow(/bad magic/);
  });
});
