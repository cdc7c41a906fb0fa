import { describe, expect, it } from 'vitest';
import { createTsBackend } from '../backends/ts-backend';
import { simpleConvNet, type LayerListSpec } from '../networks/layer-list-spec';
import { LayerListNet } from '../networks/layer-list-net';
import { MultiLayerNet } from '../networks/multi-layer-net';
import type { NetworkSpec } from '../networks/network-spec';
import { Rng } from '../rng';
import { Tensor } from '../tensor';
import { inputActivations, layerActivation } from './input-activations';

const backend = createTsBackend();

/** A float64 net whose parameters are then set by hand (row-major W: inputs x outputs). */
function handBuilt(spec: Partial<NetworkSpec>, params: Record<string, number[]>): MultiLayerNet {
  const net = new MultiLayerNet(spec, { backend, dtype: 'float64', rng: new Rng(1) });
  for (const [name, values] of Object.entries(params)) {
    const tensor = net.params[name];
    if (!tensor || tensor.size !== values.length) throw new Error(`fixture: ${name} has ${tensor?.size} values, ${values.length} given`);
    tensor.data.set(values);
  }
  return net;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

describe('inputActivations (every layer of one input, inference mode)', () => {
  it('gives each layer its exact output, the scores and their softmax: 3-2-2 ReLU', () => {
    const net = handBuilt(
      { inputSize: 3, hiddenSizes: [2], outputSize: 2, activation: 'relu' },
      // x W1 = [1 + 1, -1 + 0.5] = [2, -0.5]; + b1 = [2.25, -0.5]; ReLU = [2.25, 0]; x W2 = [2.25, -2.25]; + b2 = [2.75, -1.75].
      { W1: [1, -1, 2, 1, 0.5, 4], b1: [0.25, 0], W2: [1, -1, 3, 5], b2: [0.5, 0.5] },
    );
    const result = inputActivations(net, [1, 0.5, 0]);
    expect(result.layers).toEqual([
      { name: 'Affine1', kind: 'Affine', size: 2, values: [2.25, -0.5], min: -0.5, max: 2.25, zeros: null, saturated: null },
      { name: 'Relu1', kind: 'Relu', size: 2, values: [2.25, 0], min: 0, max: 2.25, zeros: 1, saturated: null },
      { name: 'Affine2', kind: 'Affine', size: 2, values: [2.75, -1.75], min: -1.75, max: 2.75, zeros: null, saturated: null },
    ]);
    expect(result.predicted).toBe(0);
    // softmax([2.75, -1.75]) = [1, e^-4.5] / (1 + e^-4.5); float64 exp and division: equal to the last bit or two.
    const e = Math.exp(-4.5);
    expect(result.probabilities[0]).toBeCloseTo(1 / (1 + e), 15);
    expect(result.probabilities[1]).toBeCloseTo(e / (1 + e), 15);
  });

  it('normalises with the running statistics, counts saturated sigmoid units and applies Dropout without a row', () => {
    const net = handBuilt(
      { inputSize: 2, hiddenSizes: [3], outputSize: 2, activation: 'sigmoid', batchNorm: true, dropout: 0.5 },
      // x = [1, 2]: x W1 + b1 = [1, 2 + 6, -2 - 8] + [-1, 0, 0] = [0, 8, -10].
      { W1: [1, 2, -2, 0, 3, -4], b1: [-1, 0, 0], gamma1: [1, 2, 1], beta1: [0, 1, 0], W2: [1, 0, 0, 1, 0, 0], b2: [0, 0] },
    );
    const [bn] = net.batchNorms;
    bn!.runningMean.data.set([0, 4, 0]);
    bn!.runningVar.data.set([1, 4, 0.25]);
    const result = inputActivations(net, [1, 2]);
    expect(result.layers.map((l) => l.name)).toEqual(['Affine1', 'BatchNorm1', 'Sigmoid1', 'Affine2']);
    const [affine, norm, act, scores] = result.layers;
    expect(affine!.values).toEqual([0, 8, -10]);
    // gamma (x - mean) / sqrt(var + 1e-6) + beta: [0, 2 * 4 / 2 + 1, -10 / 0.5] up to the 1e-6 (relative 5e-7 on the scale).
    const expected = [0, (2 * 4) / Math.sqrt(4 + 1e-6) + 1, -10 / Math.sqrt(0.25 + 1e-6)];
    norm!.values.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 13));
    expect(norm!.zeros).toBeNull();
    // sigmoid([0, ~5, ~-20]): 0.5 in range, the other two saturated (0.9933 > 0.99, 2e-9 < 0.01).
    act!.values.forEach((v, i) => expect(v).toBeCloseTo(sigmoid(expected[i]!), 15));
    expect(act!.saturated).toBe(2);
    expect(act!.zeros).toBeNull();
    // Book dropout at inference: x (1 - 0.5), then W2 picks units 0 and 1.
    scores!.values.forEach((v, i) => expect(v).toBeCloseTo(0.5 * sigmoid(expected[i]!), 15));
    expect(result.predicted).toBe(1);
  });

  it('caps the values of a wide layer but counts all its units, and leaves the net predicting as before', () => {
    const rng = new Rng(5);
    const net = new MultiLayerNet({ inputSize: 4, hiddenSizes: [9], outputSize: 3, activation: 'relu', weightInit: 1 }, { backend, dtype: 'float64', rng });
    const pixels = [0.1, 0.9, 0.4, 0.6];
    const before = Array.from(net.predict(Tensor.from(pixels, [1, 4], 'float64'), false).data);
    const full = inputActivations(net, pixels);
    const capped = inputActivations(net, pixels, 4);
    const [relu, cappedRelu] = [full.layers[1]!, capped.layers[1]!];
    expect(cappedRelu.values).toEqual(relu.values.slice(0, 4));
    expect([cappedRelu.size, cappedRelu.min, cappedRelu.max, cappedRelu.zeros]).toEqual([9, relu.min, relu.max, relu.values.filter((v) => v === 0).length]);
    expect(relu.values).toHaveLength(9);
    expect(full.layers[2]!.values).toEqual(before);
    expect(Array.from(net.predict(Tensor.from(pixels, [1, 4], 'float64'), false).data)).toEqual(before);
  });

  it('refuses an input of the wrong size and a unit cap below 1, naming them', () => {
    const net = new MultiLayerNet({ inputSize: 4, hiddenSizes: [2], outputSize: 2 }, { backend, dtype: 'float64', rng: new Rng(1) });
    expect(() => inputActivations(net, [0.5])).toThrow(/1 pixels, the network takes 4/);
    expect(() => inputActivations(net, [0, 0, 0, 0], 0)).toThrow(/maxUnits must be a positive integer, got 0/);
  });
});

describe('layerActivation (one layer of a conv net)', () => {
  it("gives a conv, ReLU and pooling output their (C, H, W) shape and exact values, an affine's none", () => {
    // One 2x2 filter of ones over a 3x3 image 1..9, stride 1, no pad: each output is its window's sum.
    const spec: LayerListSpec = { input: [1, 3, 3], layers: [{ type: 'conv', filters: 1, size: 2, stride: 1, pad: 0 }, { type: 'relu' }, { type: 'pool', size: 2, stride: 1 }, { type: 'affine', units: 2 }], output: 2, weightInit: 0.01 };
    const net = new LayerListNet(spec, { backend, dtype: 'float64', rng: new Rng(1) });
    net.params.W1!.data.fill(1);
    net.params.b1!.data.fill(-13);
    let out = Tensor.from([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3], 'float64');
    const shown = net.layers.map((layer) => {
      out = layer.forward(out, false);
      return layerActivation(layer, out);
    });
    // Sums 12, 16, 24, 28 minus 13; ReLU keeps 3, 11, 15; the 2x2 pooling their largest.
    expect(shown.slice(0, 3)).toEqual([
      { name: 'Conv1', kind: 'Convolution', size: 4, shape: [1, 2, 2], values: [-1, 3, 11, 15], min: -1, max: 15, zeros: null, saturated: null },
      { name: 'Relu1', kind: 'Relu', size: 4, shape: [1, 2, 2], values: [0, 3, 11, 15], min: 0, max: 15, zeros: 1, saturated: null },
      { name: 'Pool1', kind: 'Pooling', size: 1, shape: [1, 1, 1], values: [15], min: 15, max: 15, zeros: null, saturated: null },
    ]);
    expect(shown[3]).toMatchObject({ name: 'Affine1', kind: 'Affine', size: 2 });
    expect(shown[3]).not.toHaveProperty('shape');
  });

  it("carries all of SimpleConvNet's feature maps, past the flat layers' cap", () => {
    const net = new LayerListNet(simpleConvNet({ filters: 8 }), { backend, dtype: 'float64', rng: new Rng(1) });
    const conv = net.layers[0]!;
    const shown = layerActivation(conv, conv.forward(Tensor.zeros([1, 1, 28, 28], 'float64'), false), 100)!;
    expect([shown.size, shown.values.length, shown.shape]).toEqual([8 * 24 * 24, 8 * 24 * 24, [8, 24, 24]]);
  });
});
