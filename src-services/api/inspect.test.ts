import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEnvelope, ClassifiedImage, ConfusionReport, InsideInput } from '../../src-shared/api';
import { parseTrainConfig } from '../../src-shared/config';
import { writeDenseIdxDataset } from '../data/idx-fixtures';
import { RunStore } from '../runs/run-store';
import { RunSupervisor } from '../trainers/run-supervisor';
import { testTrainerFactory } from '../trainers/test-trainers';
import { WorkbenchService } from './workbench-service';

function valueOf<T>(envelope: ApiEnvelope): T {
  if (!envelope.ok) throw new Error(envelope.error);
  return envelope.value as T;
}

/** A tiny run trained by a real trainer process, then inspected through the service. */
describe('the confusion matrix of a trained run', () => {
  let root: string;
  let service: WorkbenchService;
  let supervisor: RunSupervisor;
  let runId: string;
  const TEST_IMAGES = 300;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'bpw-inspect-'));
    const path = join(root, 'digits');
    await writeDenseIdxDataset(path, { train: 600, test: TEST_IMAGES });
    supervisor = new RunSupervisor(new RunStore(join(root, 'runs'), '0.0.0-test'), testTrainerFactory(), { concurrency: 1 });
    service = new WorkbenchService({
      supervisor,
      trainerFactory: testTrainerFactory(),
      info: { mode: 'web', platform: 'test', cores: 1, runsDirectory: join(root, 'runs'), versions: { app: '0.0.0-test', node: 'test' } },
    });
    // Few updates at a small rate: the network is right on some images and wrong on others. Every
    // evaluation covers the whole test set, so its accuracy is the matrix's.
    const config = parseTrainConfig({ dataset: { kind: 'idx', path }, network: { hiddenSizes: [8], weightInit: 'he' }, optimizer: { type: 'sgd', lr: 0.1 }, training: { iterations: 30, batchSize: 20 }, dtype: 'float32', backend: 'ts', seed: 4 });
    runId = (await supervisor.enqueue(config, { name: 'tiny' })).id;
    await supervisor.whenIdle();
  });
  afterAll(async () => {
    await service.shutdown();
    await rm(root, { recursive: true, force: true });
  });

  it('counts every test image once and agrees with the run\'s stored test accuracy', async () => {
    const record = await supervisor.store.get(runId);
    expect(record.status).toBe('completed');
    const report = valueOf<ConfusionReport>(await service.handle('confusion', { id: runId }));
    expect(report.images).toBe(TEST_IMAGES);
    expect(report.counts.flat().reduce((sum, n) => sum + n, 0)).toBe(TEST_IMAGES);
    const correct = report.counts.reduce((sum, row, t) => sum + row[t]!, 0);
    expect(report.accuracy).toBe(correct / TEST_IMAGES);
    expect(report.accuracy).toBe(record.summary?.testAccuracy);
    // Some right, some wrong: the case says something.
    expect(report.accuracy).toBeGreaterThan(0.1);
    expect(report.accuracy).toBeLessThan(1);
    expect(report.mistakes).toHaveLength(Math.min(100, TEST_IMAGES - correct));
    for (let i = 1; i < report.mistakes.length; i++) expect(report.mistakes[i]!.confidence).toBeLessThanOrEqual(report.mistakes[i - 1]!.confidence);
    expect(report.iteration).toBe(30);
    // Asked again for the same checkpoint: the same report, not computed again.
    expect(valueOf<ConfusionReport>(await service.handle('confusion', { id: runId }))).toEqual(report);
  });

  it('gives a mistake\'s image with the probabilities that made it one', async () => {
    const report = valueOf<ConfusionReport>(await service.handle('confusion', { id: runId }));
    const [mistake] = report.mistakes;
    if (!mistake) throw new Error('the tiny run made no mistakes');
    const cell = report.cellImages[mistake.label]![mistake.predicted]!;
    expect(cell).toContain(mistake.index);
    const [image] = valueOf<ClassifiedImage[]>(await service.handle('classifiedImages', { id: runId, indices: [mistake.index] }));
    expect(image).toMatchObject({ index: mistake.index, label: mistake.label, rows: 28, cols: 28 });
    expect(image!.pixels).toHaveLength(784);
    const best = image!.probabilities.indexOf(Math.max(...image!.probabilities));
    expect(best).toBe(mistake.predicted);
    expect(image!.probabilities[best]).toBe(mistake.confidence);
  });

  it('refuses indices past the test set and unknown runs in words', async () => {
    expect(await service.handle('classifiedImages', { id: runId, indices: [TEST_IMAGES] })).toEqual({ ok: false, error: `the test set has ${TEST_IMAGES} images; index ${TEST_IMAGES} is past its end` });
    expect(await service.handle('classifiedImages', { id: runId, indices: new Array(101).fill(0) })).toMatchObject({ ok: false, error: expect.stringMatching(/^classifiedImages: indices: Too big/) });
    expect(await service.handle('confusion', { id: 'no-such-run' })).toMatchObject({ ok: false });
  });

  it('takes a test image by index through every layer, and a drawn image the same way', async () => {
    const [image] = valueOf<ClassifiedImage[]>(await service.handle('classifiedImages', { id: runId, indices: [7] }));
    const inside = valueOf<InsideInput>(await service.handle('inputActivations', { id: runId, testIndex: 7 }));
    expect(inside.testImage).toEqual({ index: 7, label: image!.label, pixels: image!.pixels, rows: 28, cols: 28 });
    // 784-8-10 ReLU: Affine1, Relu1, Affine2 (the scores).
    expect(inside.layers.map((l) => [l.name, l.kind, l.size, l.values.length])).toEqual([
      ['Affine1', 'Affine', 8, 8],
      ['Relu1', 'Relu', 8, 8],
      ['Affine2', 'Affine', 10, 10],
    ]);
    const [affine, relu] = inside.layers;
    expect(relu!.values).toEqual(affine!.values.map((v) => Math.max(v, 0)));
    expect(relu!.zeros).toBe(relu!.values.filter((v) => v === 0).length);
    // The same float32 network as classifiedImages: its probabilities to float32 precision (both softmax the same scores,
    // one in float64 here, one in the backend's kernel then rounded to float32).
    inside.probabilities.forEach((p, c) => expect(p).toBeCloseTo(image!.probabilities[c]!, 6));
    expect(inside.predicted).toBe(image!.probabilities.indexOf(Math.max(...image!.probabilities)));

    // The same image drawn (as pixels in [0, 1]): the same activations, no test image.
    const drawn = valueOf<InsideInput>(await service.handle('inputActivations', { id: runId, pixels: image!.pixels.map((v) => v / 255) }));
    expect(drawn.testImage).toBeNull();
    expect(drawn.layers).toEqual(inside.layers);
  });

  it('names a bad test index or a bad image in plain words', async () => {
    const refused = async (params: Record<string, unknown>): Promise<string> => {
      const envelope = await service.handle('inputActivations', { id: runId, ...params });
      if (envelope.ok) throw new Error('accepted');
      return envelope.error;
    };
    expect(await refused({ testIndex: TEST_IMAGES })).toBe(`the test set has ${TEST_IMAGES} images; index ${TEST_IMAGES} is past its end`);
    expect(await refused({ testIndex: -1 })).toBe('inputActivations: testIndex: the test image index must be 0 or more');
    expect(await refused({ testIndex: 1.5 })).toBe('inputActivations: testIndex: the test image index must be a whole number');
    expect(await refused({ testIndex: '3' })).toBe('inputActivations: testIndex: the test image index must be a number');
    expect(await refused({ pixels: [0.5, 1.5] })).toBe('inputActivations: pixels.1: each pixel must be between 0 and 1');
    expect(await refused({ pixels: [] })).toBe('inputActivations: pixels: the image has no pixels');
    expect(await refused({ pixels: new Array(1_000_001).fill(0) })).toBe('inputActivations: pixels: an image has at most 1000000 pixels');
    expect(await refused({ pixels: [0.5] })).toBe(`inputActivations: 1 pixels given, run ${runId} takes 784`);
    expect(await refused({})).toBe('inputActivations: (message): give either pixels (a drawn image) or testIndex (a test image), one of the two');
    expect(await refused({ pixels: new Array(784).fill(0), testIndex: 0 })).toBe('inputActivations: (message): give either pixels (a drawn image) or testIndex (a test image), one of the two');
  });
});
