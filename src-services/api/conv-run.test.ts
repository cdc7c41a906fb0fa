import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEnvelope, ClassifiedImage, ConfusionReport, InsideInput, WeightTiles } from '../../src-shared/api';
import { parseTrainConfig } from '../../src-shared/config';
import type { OnnxReport } from '../../src-shared/run-record';
import { writeDenseIdxDataset } from '../data/idx-fixtures';
import { RunStore } from '../runs/run-store';
import { RunSupervisor } from '../trainers/run-supervisor';
import { testTrainerFactory } from '../trainers/test-trainers';
import { WorkbenchService } from './workbench-service';

function valueOf<T>(envelope: ApiEnvelope): T {
  if (!envelope.ok) throw new Error(envelope.error);
  return envelope.value as T;
}

/** A tiny SimpleConvNet-shaped run (conv 3 filters 5x5, ReLU, pool, affine 10) trained by a real trainer process, then used through the service. */
describe('a convolutional run in the Draw and Inspect views', () => {
  let root: string;
  let service: WorkbenchService;
  let supervisor: RunSupervisor;
  let runId: string;
  const TEST_IMAGES = 200;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'bpw-conv-api-'));
    const path = join(root, 'digits');
    await writeDenseIdxDataset(path, { train: 400, test: TEST_IMAGES });
    supervisor = new RunSupervisor(new RunStore(join(root, 'runs'), '0.0.0-test'), testTrainerFactory(), { concurrency: 1 });
    service = new WorkbenchService({
      supervisor,
      trainerFactory: testTrainerFactory(),
      info: { mode: 'web', platform: 'test', cores: 1, runsDirectory: join(root, 'runs'), versions: { app: '0.0.0-test', node: 'test' } },
    });
    const config = parseTrainConfig({
      dataset: { kind: 'idx', path },
      network: { layers: [{ type: 'conv', filters: 3, size: 5 }, { type: 'relu' }, { type: 'pool' }, { type: 'affine', units: 10 }], weightInit: 'he' },
      optimizer: { type: 'adam', lr: 0.001 },
      training: { iterations: 8, batchSize: 20 },
      backend: 'ts',
      seed: 2,
    });
    runId = (await supervisor.enqueue(config, { name: 'tiny conv' })).id;
    await supervisor.whenIdle();
  });
  afterAll(async () => {
    await service.shutdown();
    await rm(root, { recursive: true, force: true });
  });

  it('has a confusion matrix that agrees with its stored test accuracy', async () => {
    const record = await supervisor.store.get(runId);
    expect(record.status).toBe('completed');
    const report = valueOf<ConfusionReport>(await service.handle('confusion', { id: runId }));
    expect(report.images).toBe(TEST_IMAGES);
    expect(report.counts.flat().reduce((sum, n) => sum + n, 0)).toBe(TEST_IMAGES);
    expect(report.accuracy).toBe(record.summary?.testAccuracy);
    expect(report.iteration).toBe(8);
  });

  it('classifies 784 drawn pixels as (1, 1, 28, 28) images: the same probabilities as the test image gets, a saliency per pixel and every layer\'s output', async () => {
    const [image] = valueOf<ClassifiedImage[]>(await service.handle('classifiedImages', { id: runId, indices: [5] }));
    const pixels = image!.pixels.map((v) => v / 255);
    const { probabilities } = valueOf<{ probabilities: number[] }>(await service.handle('predict', { id: runId, pixels }));
    expect(probabilities).toHaveLength(10);
    // One image through predict and the same image in a batch of the test set: the same forward, the same float32 values.
    expect(probabilities).toEqual(image!.probabilities);
    const saliency = valueOf<{ gradient: number[]; classIndex: number; probabilities: number[] }>(await service.handle('inputGradient', { id: runId, pixels }));
    expect(saliency.gradient).toHaveLength(784);
    expect(saliency.classIndex).toBe(probabilities.indexOf(Math.max(...probabilities)));
    expect(saliency.gradient.some((g) => g !== 0)).toBe(true);
    const inside = valueOf<InsideInput>(await service.handle('inputActivations', { id: runId, pixels }));
    // Conv1 and Relu1: 3 feature maps of 24 x 24; Pool1 halves them; Affine1 the class scores, flat.
    expect(inside.layers.map((l) => [l.name, l.size, l.shape])).toEqual([['Conv1', 3 * 24 * 24, [3, 24, 24]], ['Relu1', 3 * 24 * 24, [3, 24, 24]], ['Pool1', 3 * 12 * 12, [3, 12, 12]], ['Affine1', 10, undefined]]);
    expect(inside.predicted).toBe(saliency.classIndex);
    await expect(service.handle('predict', { id: runId, pixels: pixels.slice(1) })).resolves.toMatchObject({ ok: false, error: `predict: 783 pixels given, run ${runId} takes 784` });
  });

  it('shows its first layer\'s filters as 5x5 tiles, and exports to ONNX validated on its test set', async () => {
    const tiles = valueOf<WeightTiles>(await service.handle('firstLayerWeights', { id: runId, units: 16 }));
    expect([tiles.units, tiles.inputSize, tiles.filterShape]).toEqual([3, 25, [3, 1, 5, 5]]);
    const checkpoint = await supervisor.store.readCheckpoint(runId);
    expect(tiles.data).toEqual(Array.from(checkpoint!.tensors.W1!.data));
    // The trainer process loaded from the checkpoint holds a LayerListNet, which the exporter writes as Conv and MaxPool.
    const { report } = valueOf<{ report: OnnxReport }>(await service.handle('exportOnnx', { id: runId }));
    expect(report).toMatchObject({ passed: true, problems: [], images: TEST_IMAGES });
    expect(report.onnxAccuracy).toBe((await supervisor.store.get(runId)).summary?.testAccuracy);
  });
});
