import { describe, expect, it } from 'vitest';
import { createTsBackend } from '../backends/ts-backend';
import { MultiLayerNet } from '../networks/multi-layer-net';
import { Rng } from '../rng';
import { weightHistograms } from './weight-histograms';

describe('weightHistograms', () => {
  it('bins each affine layer over ±max|w| in layer order, with mean, std, min and max', () => {
    const params = {
      W2: { data: [0.5, -0.25] },
      W1: { data: [-1, -0.5, 0, 0.25, 0.5, 1] },
      b1: { data: [7, 7, 7] },
    };
    const [w1, w2, ...rest] = weightHistograms(params, 4);
    expect(rest).toEqual([]);
    expect(w1!.name).toBe('W1');
    expect(w1!.histogram.edges).toEqual([-1, -0.5, 0, 0.5, 1]);
    // [-1,-0.5): -1 | [-0.5,0): -0.5 | [0,0.5): 0, 0.25 | [0.5,1]: 0.5, 1
    expect(w1!.histogram.counts).toEqual([1, 1, 2, 2]);
    expect(w1!.histogram.mean).toBeCloseTo(0.25 / 6, 12);
    expect([w1!.min, w1!.max]).toEqual([-1, 1]);
    expect(w2!.name).toBe('W2');
    expect(w2!.histogram.edges).toEqual([-0.5, -0.25, 0, 0.25, 0.5]);
    expect(w2!.histogram.counts).toEqual([0, 1, 0, 1]);
    expect(w2!.histogram.std).toBeCloseTo(0.375, 12);
    expect([w2!.min, w2!.max]).toEqual([-0.25, 0.5]);
  });

  it('falls back to ±1 for a layer of zeros', () => {
    const [w1] = weightHistograms({ W1: { data: [0, 0, 0] } }, 2);
    expect(w1!.histogram.edges).toEqual([-1, 0, 1]);
    expect(w1!.histogram.counts).toEqual([0, 3]);
  });

  it('takes a MultiLayerNet’s params: one histogram per affine layer, every weight binned', () => {
    const net = new MultiLayerNet({ inputSize: 4, hiddenSizes: [3], outputSize: 2 }, { backend: createTsBackend(), dtype: 'float64', rng: new Rng(1) });
    const layers = weightHistograms(net.params);
    expect(layers.map((l) => l.name)).toEqual(['W1', 'W2']);
    expect(layers.map((l) => l.histogram.counts.reduce((a, b) => a + b, 0))).toEqual([12, 6]);
    expect(layers[0]!.histogram.counts).toHaveLength(30);
  });
});
