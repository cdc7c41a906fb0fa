import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, stat, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../src-shared/config';
import { runRecordSchema, type OnnxReport, type RunRecord, type RunStatus } from '../../src-shared/run-record';
import { Rng } from '../../src-engine/rng';
import { WorkbenchService } from '../api/workbench-service';
import { FakeTrainerProcess } from '../trainers/fake-trainer-process';
import { RunSupervisor } from '../trainers/run-supervisor';
import { ONNX_FILE, RUN_FILE } from './run-layout';
import { RunStore } from './run-store';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const config = parseTrainConfig({ network: { hiddenSizes: [4] }, backend: 'ts' });

async function freshRoot(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'bpw-hostile-store-')), 'runs');
}

function report(bytes: number): OnnxReport {
  return { passed: true, problems: [], images: 10, maxAbsDifference: 0, bound: 1e-4, onnxAccuracy: 0.5, engineAccuracy: 0.5, batchLatencyMs: 1, singleImageLatencyMs: 1, validatedAt: '2025-01-01T00:00:00.000Z', bytes };
}

/** Every entry of every run folder that is not a run file: temporary files, locks, leftovers. */
async function strayFiles(runsRoot: string): Promise<string[]> {
  const stray: string[] = [];
  for (const entry of await readdir(runsRoot)) {
    if (entry.startsWith('.')) stray.push(entry);
    const info = await stat(join(runsRoot, entry));
    if (!info.isDirectory()) continue;
    for (const name of await readdir(join(runsRoot, entry))) if (![RUN_FILE, ONNX_FILE].includes(name)) stray.push(`${entry}/${name}`);
  }
  return stray;
}

const services: WorkbenchService[] = [];
afterEach(async () => {
  for (const service of services.splice(0)) await service.shutdown();
});

describe('concurrent rewrites of runs (issue 13, item 3)', () => {
  it('10 runs x 50 renames, status writes and exports in a seeded random order: every run.json whole, nothing lost, no temporary file left', async () => {
    const runsRoot = await freshRoot();
    const store = new RunStore(runsRoot, '0.0.0-test');
    const supervisor = new RunSupervisor(store, () => new FakeTrainerProcess(), { concurrency: 1 });
    const service = new WorkbenchService({ supervisor, trainerFactory: () => new FakeTrainerProcess(), info: { mode: 'web', platform: 'test', cores: 1, runsDirectory: runsRoot, versions: { app: '0', node: 'test' } } });
    services.push(service);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await store.create(config, { name: `run ${i}` })).id);

    const rng = new Rng(1313);
    const statuses: RunStatus[] = ['completed', 'stopped', 'failed', 'interrupted'];
    const names = new Set<string>(ids.map((_, i) => `run ${i}`));
    // Each op resolves with the record it wrote; the last to finish per run wrote last, so the file must be its record.
    const finished = new Map<string, RunRecord[]>(ids.map((id) => [id, []]));
    const ops: Array<() => Promise<void>> = [];
    for (const id of ids) {
      for (let k = 0; k < 50; k++) {
        const kind = rng.integer(3);
        const done = (record: RunRecord): void => void finished.get(id)!.push(record);
        if (kind === 0) {
          const name = `renamed ${id.slice(-6)} #${k}`;
          names.add(name);
          ops.push(async () => {
            const reply = await service.handle('renameRun', { id, name });
            if (!reply.ok) throw new Error(reply.error);
            done(reply.value as RunRecord);
          });
        } else if (kind === 1) {
          // As the supervisor records a run's end.
          ops.push(async () => done(await store.update(id, { status: statuses[k % statuses.length]!, reason: `status #${k}`, finishedAt: new Date().toISOString() })));
        } else {
          // As exportOnnx stores a validated model: a model of a distinct size per export, its report saying that size.
          const model = new Uint8Array(100 + k);
          ops.push(async () => done((await store.saveExport(id, model, report(model.length))).record));
        }
      }
    }
    const order = ops.map((_, i) => i);
    rng.shuffle(order);
    await Promise.all(order.map((i) => ops[i]!()));

    let damaged = 0;
    for (const id of ids) {
      const parsed = runRecordSchema.safeParse(JSON.parse(await readFile(join(runsRoot, id, RUN_FILE), 'utf8')));
      if (!parsed.success) {
        damaged++;
        continue;
      }
      const stored = parsed.data;
      expect(names.has(stored.name)).toBe(true);
      const last = finished.get(id)!.at(-1)!;
      expect([stored.name, stored.status, stored.reason, stored.onnx?.bytes]).toEqual([last.name, last.status, last.reason, last.onnx?.bytes]);
      if (stored.onnx) expect((await stat(join(runsRoot, id, ONNX_FILE))).size).toBe(stored.onnx.bytes);
    }
    expect(damaged).toBe(0);
    expect(await strayFiles(runsRoot)).toEqual([]);
  });

  it('a second process renaming the runs while this one writes their status: no update of either is lost', async () => {
    const runsRoot = await freshRoot();
    const store = new RunStore(runsRoot, '0.0.0-test');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await store.create(config)).id);
    const count = 30;
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src-services/runs/test-support/rename-worker.ts'), runsRoot, String(count), ...ids], { cwd: root });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await Promise.all(ids.map(async (id) => {
      for (let i = 0; i < count; i++) await store.update(id, { status: i % 2 ? 'stopped' : 'completed', reason: `parent-${i}` });
    }));
    expect(await exited, stderr).toBe(0);
    for (const id of ids) {
      const stored = runRecordSchema.parse(JSON.parse(await readFile(join(runsRoot, id, RUN_FILE), 'utf8')));
      expect([stored.name, stored.reason]).toEqual([`child-${count - 1}`, `parent-${count - 1}`]);
    }
    expect(await strayFiles(runsRoot)).toEqual([]);
  });
});

describe('deleteRun removes runs of the store only (issue 13, low)', () => {
  it('refuses symlinks, files and foreign folders named like ids; deletes a damaged run folder the store lists', async () => {
    const runsRoot = await freshRoot();
    const store = new RunStore(runsRoot, '0.0.0-test');
    const kept = await store.create(config);
    const outside = await mkdtemp(join(tmpdir(), 'bpw-hostile-outside-'));
    await writeFile(join(outside, 'precious.txt'), 'keep me');
    await symlink(outside, join(runsRoot, '2024-01-01T00-00-00-000Z-aaaaaa'));
    await writeFile(join(runsRoot, 'sweep-2024-01-01.json'), '{}');
    await mkdir(join(runsRoot, 'photos'));
    await writeFile(join(runsRoot, 'photos', 'cat.jpg'), 'meow');
    const damaged = '2024-01-02T00-00-00-000Z-bbbbbb';
    await mkdir(join(runsRoot, damaged));
    await writeFile(join(runsRoot, damaged, RUN_FILE), '{ torn');

    await expect(store.delete('2024-01-01T00-00-00-000Z-aaaaaa')).rejects.toThrow(/not a run folder of this store/);
    await expect(store.delete('sweep-2024-01-01.json')).rejects.toThrow(/not a run folder of this store/);
    await expect(store.delete('photos')).rejects.toThrow(/not a run folder of this store \(no run.json, and not named like a run\)/);
    await expect(store.delete('..')).rejects.toThrow(/invalid run id/);
    await expect(store.delete('no-such-run')).rejects.toThrow(/there is no run no-such-run/);
    expect(await readFile(join(outside, 'precious.txt'), 'utf8')).toBe('keep me');
    expect(await readFile(join(runsRoot, 'photos', 'cat.jpg'), 'utf8')).toBe('meow');

    const listed = (await store.list()).map((l) => (l.kind === 'ok' ? l.record.id : `${l.kind}:${l.id}`));
    expect(listed.sort()).toEqual([kept.id, `damaged:${damaged}`].sort());
    await store.delete(damaged);
    await store.delete(kept.id);
    expect((await readdir(runsRoot)).sort()).toEqual(['2024-01-01T00-00-00-000Z-aaaaaa', 'photos', 'sweep-2024-01-01.json']);
  });
});

describe('temporary files of killed writers (issue 13, item 12)', () => {
  it('are swept when the run is next opened by a training owner; files that are not the run\'s are kept', async () => {
    const store = new RunStore(await freshRoot(), '0.0.0-test');
    const { id } = await store.create(config);
    const leftovers = ['checkpoint.bin.tmp-4242', 'run.json.tmp-4242-7-0badcafe', 'metrics.jsonl.tmp-1-2-33'];
    for (const name of leftovers) await writeFile(join(store.directory(id), name), 'half a write');
    await writeFile(join(store.directory(id), 'notes.txt.tmp-1'), 'the user\'s');
    const claim = await store.claim(id);
    expect((await readdir(store.directory(id))).sort()).toEqual(['notes.txt.tmp-1', RUN_FILE, 'run.lock'].sort());
    await claim.release();
  });
});

