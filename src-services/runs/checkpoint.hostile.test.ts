import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEnvelope } from '../../src-shared/api';
import { parseTrainConfig, type TrainConfig } from '../../src-shared/config';
import type { RunListing } from '../../src-shared/run-record';
import { createTsBackend } from '../../src-engine/backends/ts-backend';
import type { Dataset } from '../../src-engine/dataset';
import { Tensor } from '../../src-engine/tensor';
import { Trainer } from '../../src-engine/training/trainer';
import { WorkbenchService } from '../api/workbench-service';
import { writeDenseIdxDataset } from '../data/idx-fixtures';
import { loadIdxDataset } from '../data/load-dataset';
import { RunSupervisor } from '../trainers/run-supervisor';
import { testTrainerFactory } from '../trainers/test-trainers';
import { decodeCheckpoint, encodeCheckpoint, readCheckpoint } from './checkpoint';
import { RunRecorder } from './run-recorder';
import { CHECKPOINT_FILE, METRICS_FILE } from './run-layout';
import { RunStore } from './run-store';

let datasetPath: string;
let dataset: Dataset;
let config: TrainConfig;
beforeAll(async () => {
  datasetPath = join(await mkdtemp(join(tmpdir(), 'bpw-ckpt-data-')), 'dense');
  await writeDenseIdxDataset(datasetPath, { train: 500, test: 100, rows: 28, cols: 28 });
  dataset = await loadIdxDataset(datasetPath);
  config = parseTrainConfig({ dataset: { kind: 'idx', path: datasetPath }, network: { hiddenSizes: [16] }, training: { iterations: 200, batchSize: 50, evaluationSamples: 100 }, backend: 'ts' });
});

const services: WorkbenchService[] = [];
afterEach(async () => {
  for (const service of services.splice(0)) await service.shutdown();
});

/** A stopped run with 15 steps of metrics and its checkpoint, written once as the trainer writes them. */
let template: { root: string; id: string };
beforeAll(async () => {
  const store = new RunStore(join(await mkdtemp(join(tmpdir(), 'bpw-ckpt-template-')), 'runs'), '0.0.0-test');
  const { id } = await store.create(config);
  const trainer = new Trainer(config, dataset, createTsBackend(), { backgroundEvaluation: false });
  const recorder = new RunRecorder(store.directory(id), trainer);
  for (let i = 0; i < 15; i++) {
    const outcome = trainer.advance();
    recorder.loss(outcome.iteration, outcome.loss);
    if (outcome.evaluation) recorder.evaluation(outcome.evaluation);
  }
  recorder.end();
  await store.update(id, { status: 'stopped' });
  template = { root: store.root, id };
});

/** A copy of the stopped run in a store of its own, and a service over that store. */
async function stoppedRun(): Promise<{ store: RunStore; service: WorkbenchService; id: string; checkpoint: string; metrics: string }> {
  const store = new RunStore(join(await mkdtemp(join(tmpdir(), 'bpw-ckpt-')), 'runs'), '0.0.0-test');
  const { id } = template;
  await cp(template.root, store.root, { recursive: true });
  const supervisor = new RunSupervisor(store, testTrainerFactory(), { concurrency: 1 });
  const service = new WorkbenchService({ supervisor, trainerFactory: testTrainerFactory(), info: { mode: 'web', platform: 'test', cores: 1, runsDirectory: store.root, versions: { app: '0', node: 'test' } } });
  services.push(service);
  return { store, service, id, checkpoint: join(store.directory(id), CHECKPOINT_FILE), metrics: join(store.directory(id), METRICS_FILE) };
}

const errorOf = (reply: ApiEnvelope): string => (reply.ok ? '(succeeded)' : reply.error);

/** The checkpoint rewritten with its meta changed by `change`. */
async function editMeta(file: string, change: (meta: Record<string, unknown>) => void): Promise<void> {
  const { tensors, meta } = decodeCheckpoint(new Uint8Array(await readFile(file)), file);
  change(meta);
  await writeFile(file, encodeCheckpoint(tensors, meta));
}

/** The checkpoint with its JSON header replaced (its data block kept as it was, after the new header). */
async function editHeader(file: string, change: (header: { tensors: Array<{ name: string; shape: number[]; offset: number; length: number }> }) => void): Promise<void> {
  const bytes = new Uint8Array(await readFile(file));
  const length = new DataView(bytes.buffer).getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length)));
  change(header);
  const data = bytes.subarray(Math.ceil((12 + length) / 8) * 8);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = Math.ceil((12 + json.length) / 8) * 8;
  const edited = new Uint8Array(start + data.length);
  edited.set(bytes.subarray(0, 8));
  new DataView(edited.buffer).setUint32(8, json.length, true);
  edited.set(json, 12);
  edited.set(data, start);
  await writeFile(file, edited);
}

/** Continue is refused with `message`; the listing says why it cannot continue; the metrics are byte for byte as before. */
async function expectRefused(run: Awaited<ReturnType<typeof stoppedRun>>, message: RegExp): Promise<void> {
  const before = await readFile(run.metrics);
  expect(errorOf(await run.service.handle('continueRun', { id: run.id }))).toMatch(message);
  const listed = await run.service.handle('listRuns', {});
  const listing = listed.ok ? (listed.value as RunListing[])[0] : undefined;
  expect(listing?.kind === 'ok' && listing.record.resume).toEqual({ possible: false, reason: expect.stringMatching(message) });
  expect(listing?.kind === 'ok' && listing.record.status).toBe('stopped');
  expect((await readFile(run.metrics)).equals(before)).toBe(true);
}

describe('a damaged checkpoint is refused on continue, with a message, and the metrics are untouched (issue 13, low)', () => {
  it('the untouched run continues', async () => {
    const run = await stoppedRun();
    const listed = await run.service.handle('listRuns', {});
    expect(listed.ok && (listed.value as RunListing[])[0]).toMatchObject({ kind: 'ok', record: { resume: { possible: true } } });
  });

  it.each([
    ['iteration -100 (which trimmed every metric before)', (m: Record<string, unknown>) => void (m.iteration = -100), /checkpoint meta: iteration should be a non-negative integer/],
    ['iteration past the run', (m: Record<string, unknown>) => void (m.iteration = 1_000_000), /meta iteration 1000000 is past the run's 200 iterations/],
    ['an RNG state of three words', (m: Record<string, unknown>) => void (m.rng = { words: [1, 2, 3], spareNormal: null }), /rng.words should be four uint32 words/],
    ['an evaluation after the iteration', (m: Record<string, unknown>) => void (m.lastEvaluation = { iteration: 99, epoch: 1, trainAccuracy: 0.1, testAccuracy: 0.1, trainLoss: 1, testLoss: 1, final: false }), /lastEvaluation.iteration 99 is after iteration 15/],
    ['a next batch of the wrong size', (m: Record<string, unknown>) => void (m.nextBatch = [1, 2, 3]), /nextBatch has 3 samples, the batch size is 50/],
    ['meta that is not an object', (m: Record<string, unknown>) => void (m.rng = 'x'), /rng should be an object/],
  ])('meta: %s', async (_name, change, message) => {
    const run = await stoppedRun();
    await editMeta(run.checkpoint, change);
    await expectRefused(run, message);
  });

  it.each([
    ['a tensor that runs past the end (8 GB claimed)', (h: { tensors: Array<{ length: number; shape: number[] }> }) => void Object.assign(h.tensors[0]!, { length: 2 ** 31, shape: [2 ** 31] }), /truncated: tensor W1 runs past the end of the file/],
    ['a shape that does not hold its length', (h: { tensors: Array<{ shape: number[] }> }) => void (h.tensors[0]!.shape = [784, 17]), /W1: shape \[784, 17\] holds 13328 values, length says 12544/],
    ['overlapping tensors', (h: { tensors: Array<{ offset: number }> }) => void (h.tensors[1]!.offset = 0), /tensor b1 is at offset 0, expected 50176/],
    ['a tensor named twice', (h: { tensors: Array<{ name: string }> }) => void (h.tensors[1]!.name = 'W1'), /tensor W1 appears twice/],
    ['a tensor this network does not have', (h: { tensors: Array<{ name: string }> }) => void (h.tensors[1]!.name = 'bX'), /holds a tensor bX that this network does not have/],
    ['a prototype-polluting name', (h: { tensors: Array<{ name: string }> }) => void (h.tensors[1]!.name = '__proto'), /name should be letters/],
  ])('header: %s', async (_name, change, message) => {
    const run = await stoppedRun();
    await editHeader(run.checkpoint, change as never);
    await expectRefused(run, message);
  });

  it('a header length of 4 GB is refused before anything is allocated', async () => {
    const run = await stoppedRun();
    const bytes = new Uint8Array(await readFile(run.checkpoint));
    new DataView(bytes.buffer).setUint32(8, 0xfffffff0, true);
    await writeFile(run.checkpoint, bytes);
    const rss = process.memoryUsage().rss;
    await expectRefused(run, /the header claims 4294967280 bytes \(at most 16777216\)/);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
  });

  it('weights of another network, a missing checkpoint, a FIFO, a dataset folder that is gone', async () => {
    const other = await stoppedRun();
    const { tensors, meta } = await readCheckpoint(other.checkpoint);
    await writeFile(other.checkpoint, encodeCheckpoint({ ...tensors, W1: Tensor.zeros([784, 8], 'float32') }, meta));
    await expectRefused(other, /W1 is \(784, 8\), this network's is \(784, 16\)/);

    const missing = await stoppedRun();
    await rm(missing.checkpoint);
    await expectRefused(missing, /it has no checkpoint/);

    const fifo = await stoppedRun();
    await rm(fifo.checkpoint);
    execFileSync('mkfifo', [fifo.checkpoint]);
    await expectRefused(fifo, /not a regular file/);

    const gone = await stoppedRun();
    const moved = `${datasetPath}-moved`;
    await rename(datasetPath, moved);
    try {
      await expectRefused(gone, /its dataset folder .* is gone/);
    } finally {
      await rename(moved, datasetPath);
    }
  });

  it('a next batch naming samples outside the training set fails the trainer\'s restore with the reason, before the metrics are trimmed', async () => {
    const run = await stoppedRun();
    await editMeta(run.checkpoint, (meta) => void (meta.nextBatch = Array.from({ length: 50 }, () => 1_000_000)));
    const before = await readFile(run.metrics);
    // The training set's size is known only to the trainer, which refuses it before touching anything.
    const reply = await run.service.handle('continueRun', { id: run.id });
    expect(reply.ok).toBe(true);
    await new Promise<void>((resolve) => run.service.subscribe((e) => e.type === 'run' && e.record.status === 'failed' && resolve()));
    expect((await run.store.get(run.id)).reason).toMatch(/next batch names samples outside the 500 training samples/);
    expect((await readFile(run.metrics)).equals(before)).toBe(true);
  });
});

describe('decodeCheckpoint', () => {
  it('reads the right tensors from a Node Buffer that is a view into a larger pool (Buffer.slice shares memory)', () => {
    const W = Tensor.from([1.5, -2, 3.25, 4], [2, 2], 'float32');
    const b = Tensor.from([7, 8], [2], 'float32');
    const bytes = encodeCheckpoint({ W, b }, { iteration: 3 });
    const pooled = Buffer.concat([Buffer.from('junk!'), Buffer.from(bytes)]).subarray(5);
    expect(pooled.byteOffset).toBeGreaterThan(0);
    const decoded = decodeCheckpoint(pooled, 'pooled');
    expect(Array.from(decoded.tensors.W!.data)).toEqual([1.5, -2, 3.25, 4]);
    expect(Array.from(decoded.tensors.b!.data)).toEqual([7, 8]);
  });

  it('refuses a header of a million tiny objects by counting them in the raw bytes, before parsing', () => {
    const json = new TextEncoder().encode(`{"formatVersion":1,"dtype":"float32","meta":{},"tensors":[${'{},'.repeat(1_000_000)}{}]}`);
    const bytes = new Uint8Array(Math.ceil((12 + json.length) / 8) * 8);
    bytes.set(new TextEncoder().encode('BPWCKPT1'));
    new DataView(bytes.buffer).setUint32(8, json.length, true);
    bytes.set(json, 12);
    expect(() => decodeCheckpoint(bytes, 'bomb.bin')).toThrow('bomb.bin: the header holds 1000004 objects and lists (at most 8256)');
  });
});
