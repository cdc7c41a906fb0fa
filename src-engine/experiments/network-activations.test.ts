import { describe, expect, it } from 'vitest';
import { createTsBackend } from '../backends/ts-backend';
import type { DatasetSplit } from '../dataset';
import { MultiLayerNet } from '../networks/multi-layer-net';
import { Rng } from '../rng';
import { networkActivations } from './network-activations';

/** Two 2x2 images: x = [1, 0, 0, 0] and [0, 1, 1, 0] once scaled to [0, 1]. */
const split: DatasetSplit = { images: Uint8Array.from([255, 0, 0, 0, 0, 255, 255, 0]), labels: Uint8Array.from([0, 1]), count: 2, rows: 2, cols: 2 };
const options = { backend: createTsBackend(), dtype: 'float64' as const, rng: new Rng(1) };

describe('networkActivations', () => {
  it("bins each ReLU layer's output of the net's own forward, over (0, the largest activation)", () => {
    const net = new MultiLayerNet({ inputSize: 4, hiddenSizes: [3], outputSize: 2 }, options);
    net.params.W1.data.set([1, -1, 0.5, 0.25, 0, 0, 0.2, 0, 0, 0, 0, 0]);
    net.params.b1.data.set([0, 0, 0.05]);
    // Hidden activations: relu([1, -1, 0.55]) = [1, 0, 0.55] and relu([0.45, 0, 0.05]) = [0.45, 0, 0.05].
    const { samples, layers } = networkActivations(net, split, 1000);
    expect(samples).toBe(2);
    expect(layers.map((l) => l.name)).toEqual(['Relu1']);
    const { counts, edges, mean, below, above } = layers[0]!.histogram;
    const expected = new Array<number>(30).fill(0);
    expected[0] = 2;
    expected[1] = 1;
    expected[13] = 1;
    expected[16] = 1;
    expected[29] = 1;
    expect(counts).toEqual(expected);
    expect([edges[0], edges[30], below, above]).toEqual([0, 1, 0, 0]);
    expect(mean).toBeCloseTo(2.05 / 6, 15);
  });

  it('runs BatchNorm with its running statistics and bins sigmoid layers over (0, 1), at most `samples` images', () => {
    const net = new MultiLayerNet({ inputSize: 4, hiddenSizes: [5, 5], outputSize: 2, activation: 'sigmoid', batchNorm: true }, options);
    const before = networkActivations(net, split, 1);
    expect(before.samples).toBe(1);
    expect(before.layers.map((l) => l.name)).toEqual(['Sigmoid1', 'Sigmoid2']);
    for (const { histogram } of before.layers) expect([histogram.edges[0], histogram.edges[30], histogram.counts.reduce((a, b) => a + b, 0)]).toEqual([0, 1, 5]);
    // A shifted running mean moves the first layer's activations: inference uses the stored statistics.
    net.batchNorms[0]!.runningMean.data.fill(100);
    const after = networkActivations(net, split, 1);
    expect(after.layers[0]!.histogram.mean).toBeLessThan(before.layers[0]!.histogram.mean);
  });
});
