import { describe, expect, it } from 'vitest';
import { createTsBackend } from '../backends/ts-backend';
import { Rng } from '../rng';
import { trainSpec } from '../training/train-spec';
import { estimateGradientCheckMemory, estimateLayerGraphMemory, estimateTrainingMemory, largestPart, parameterCount } from './memory-estimate';
import { MultiLayerNet } from './multi-layer-net';

describe('memory estimates, before anything is allocated', () => {
  it('counts exactly the parameters a network holds', () => {
    for (const network of [{ hiddenSizes: [] }, { hiddenSizes: [50] }, { hiddenSizes: [30, 20], batchNorm: true, dropout: 0.2 }, { inputSize: 10, hiddenSizes: [7, 7, 7], outputSize: 3, batchNorm: true }]) {
      const net = new MultiLayerNet(network, { backend: createTsBackend(), dtype: 'float32', rng: new Rng(0) });
      const held = Object.values(net.params).reduce((sum, t) => sum + t.size, 0);
      expect(parameterCount(net.spec)).toBe(held);
    }
  });

  it('puts the issue\'s 32 x 8192 float64 Adam network at about 67 GB, most of it weights and Adam state', () => {
    const spec = trainSpec({ network: { hiddenSizes: new Array(32).fill(8192) }, optimizer: { type: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999 }, dtype: 'float64' });
    const params = 784 * 8192 + 8192 + 31 * (8192 * 8192 + 8192) + 8192 * 10 + 10;
    expect(parameterCount(spec.network)).toBe(params);
    const estimate = estimateTrainingMemory(spec);
    const part = (label: string): number => estimate.parts.find((p) => p.label === label)!.bytes;
    expect(part('parameters')).toBe(params * 8);
    expect(part('gradients')).toBe(params * 8);
    expect(part('Adam state')).toBe(2 * params * 8);
    // Weights, gradients, Adam's m and v: 4 x 16.7 GB (the 67 GB); the checkpoint buffer holds weights
    // and state once more (50 GB), the background evaluation a copy of the weights (16.7 GB); a 2000-row
    // evaluation chunk through 32 layers of 8192 adds about as much again.
    expect(part('checkpoint buffer')).toBe(3 * params * 8);
    expect(estimate.bytes).toBeGreaterThan(8 * params * 8);
    expect(estimate.bytes).toBeLessThan(9.5 * params * 8);
    expect(largestPart(estimate)!.field).toBe('network.hiddenSizes');
    expect(estimate.parts.map((p) => p.label)).toEqual(['parameters', 'gradients', 'Adam state', 'activations (batch of 100)', 'evaluation (chunks of 2000 rows)', 'evaluation copy of the weights', 'checkpoint buffer']);
    expect(estimate.bytes).toBe(estimate.parts.reduce((sum, p) => sum + p.bytes, 0));
  });

  it('grows with what each field controls: batch rows, evaluation rows, optimizer state, dtype', () => {
    const base = trainSpec({ network: { hiddenSizes: [100, 100], batchNorm: true, dropout: 0.5 } });
    const bytes = (spec: typeof base): number => estimateTrainingMemory(spec).bytes;
    const activations = (batchSize: number): number => estimateTrainingMemory({ ...base, training: { ...base.training, batchSize } }).parts.find((p) => p.field === 'training.batchSize')!.bytes;
    // Linear in the batch: twice the rows, twice the activations.
    expect(activations(2000)).toBe(2 * activations(1000));
    expect(bytes({ ...base, training: { ...base.training, evaluationSamples: 100 } })).toBeLessThan(bytes(base));
    expect(bytes({ ...base, optimizer: { type: 'momentum', lr: 0.01, momentum: 0.9 } })).toBeGreaterThan(bytes(base));
    expect(bytes({ ...base, dtype: 'float64' })).toBeGreaterThan(1.9 * bytes(base));
    // The book's ch5 network is far below any budget: a few tens of MB, most of it an evaluation chunk.
    expect(bytes(trainSpec())).toBeLessThan(100e6);
  });

  it('counts the copy of the weights without background evaluation too (the gradient flow\'s W before an update)', () => {
    const spec = trainSpec({ network: { hiddenSizes: [100, 100] } });
    const part = (background: boolean): number => estimateTrainingMemory(spec, { backgroundEvaluation: background }).parts.find((p) => p.label === 'evaluation copy of the weights')!.bytes;
    expect(part(false)).toBe(parameterCount(spec.network) * 4);
    expect(part(true)).toBe(part(false));
    expect(estimateTrainingMemory(spec, { backgroundEvaluation: false }).bytes).toBeLessThan(estimateTrainingMemory(spec).bytes);
  });

  it('estimates the gradient check and the layer trace with their own row counts', () => {
    const spec = trainSpec({ network: { hiddenSizes: [64] }, dtype: 'float64' });
    const check = estimateGradientCheckMemory(spec, 3);
    expect(check.parts.map((p) => p.label)).toEqual(['parameters', 'gradients', 'numerical gradients', 'activations (3 samples)']);
    expect(estimateLayerGraphMemory(spec, 1000).bytes).toBeGreaterThan(estimateLayerGraphMemory(spec, 10).bytes);
  });
});
