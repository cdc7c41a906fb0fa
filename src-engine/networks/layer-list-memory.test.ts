import { describe, expect, it } from 'vitest';
import { createTsBackend } from '../backends/ts-backend';
import { OPTIMIZER_DEFAULTS } from '../optimizers';
import { Rng } from '../rng';
import { EVALUATION_CHUNK, EVALUATION_CHUNK_BYTES, evaluationChunkRows } from '../training/evaluation';
import { trainSpec } from '../training/train-spec';
import { LayerListNet } from './layer-list-net';
import { layerListMultiplyAdds, layerListPerSample, layerListStatisticsCount } from './layer-list-memory';
import { deepConvNet, simpleConvNet, type LayerListSpec } from './layer-list-spec';
import { estimateTrainingMemory, largestPart, parameterCount } from './memory-estimate';

const held = (net: LayerListNet): number => Object.values(net.params).reduce((sum, t) => sum + t.size, 0);

describe('what a layer list costs, before it is built', () => {
  it('counts exactly the parameters and running statistics a LayerListNet holds', () => {
    const withNorm: LayerListSpec = { input: [1, 12, 12], layers: [{ type: 'conv', filters: 3, size: 3, stride: 1, pad: 1 }, { type: 'batchnorm' }, { type: 'relu' }, { type: 'pool', size: 2, stride: 2 }, { type: 'affine', units: 10 }], output: 10, weightInit: 'he' };
    for (const spec of [simpleConvNet(), deepConvNet(), withNorm]) {
      const net = new LayerListNet(spec, { backend: createTsBackend(), dtype: 'float32', rng: new Rng(0) });
      expect(parameterCount(spec)).toBe(held(net));
      expect(layerListStatisticsCount(spec)).toBe(Object.values(net.runningStatistics).reduce((sum, t) => sum + t.size, 0));
    }
    // The book's SimpleConvNet: 30*25 + 30, 4320*100 + 100, 100*10 + 10.
    expect(parameterCount(simpleConvNet())).toBe(433_890);
  });

  it('counts a forward\'s multiply-adds per sample: SimpleConvNet\'s conv 24*24*30*25, affines 4320*100 and 100*10', () => {
    expect(layerListMultiplyAdds(simpleConvNet())).toBe(24 * 24 * 30 * 25 + 4320 * 100 + 100 * 10);
  });

  it('bounds an evaluation chunk by its bytes: DeepConvNet\'s second conv alone holds 784*144 im2col values per image', () => {
    const deep = layerListPerSample(deepConvNet(), false);
    // 2000 images of that im2col buffer would be 903 MB of float32.
    expect(deep.values).toBeGreaterThan(784 * 144);
    const rows = evaluationChunkRows(deep, 'float32');
    expect(rows).toBeLessThan(EVALUATION_CHUNK);
    expect(rows * (deep.values * 4 + deep.bytes)).toBeLessThanOrEqual(EVALUATION_CHUNK_BYTES);
    expect((rows + 1) * (deep.values * 4 + deep.bytes)).toBeGreaterThan(EVALUATION_CHUNK_BYTES);
    expect(evaluationChunkRows(deep, 'float64')).toBeLessThan(rows);
    // A tiny net keeps the usual 2000 rows.
    expect(evaluationChunkRows(layerListPerSample({ input: [1, 4, 4], layers: [{ type: 'affine', units: 2 }], output: 2, weightInit: 0.01 }, false), 'float32')).toBe(EVALUATION_CHUNK);
  });

  it('estimates a training run of the presets: im2col buffers in the batch\'s activations, the layer list as the field to change', () => {
    const spec = (network: LayerListSpec) => trainSpec({ network, optimizer: OPTIMIZER_DEFAULTS.adam });
    const simple = estimateTrainingMemory(spec(simpleConvNet()));
    const activations = simple.parts.find((p) => p.field === 'training.batchSize')!.bytes;
    // At least the conv's col (576 x 25) and its output (30 x 24 x 24, three times: rows, images, dout) per image.
    expect(activations).toBeGreaterThan(100 * (576 * 25 + 3 * 30 * 576) * 4);
    expect(simple.parts.find((p) => p.label === 'parameters')).toEqual({ label: 'parameters', bytes: 433_890 * 4, field: 'network.layers' });
    const deep = estimateTrainingMemory(spec(deepConvNet()));
    expect(largestPart(deep)!.field).toBe('training.batchSize');
    // Parameters are small (66k), activations about 100 x 0.6M values: a few hundred MB, not gigabytes.
    expect(deep.bytes).toBeGreaterThan(200e6);
    expect(deep.bytes).toBeLessThan(1e9);
  });
});
