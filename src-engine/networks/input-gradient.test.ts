import { describe, expect, it } from 'vitest';
import { createTsBackend } from '../backends/ts-backend';
import { Rng } from '../rng';
import { Tensor } from '../tensor';
import { inputGradient } from './input-gradient';
import { LayerListNet } from './layer-list-net';
import { MultiLayerNet } from './multi-layer-net';
import type { NetworkSpec } from './network-spec';

const backend = createTsBackend();
const EPS = 1e-5;

/** A tiny float64 network with random weights, biases and (when it has BatchNorm) running statistics. */
function tinyNet(spec: Partial<NetworkSpec>): MultiLayerNet {
  const rng = new Rng(11);
  const net = new MultiLayerNet({ inputSize: 7, hiddenSizes: [6, 5], outputSize: 4, weightInit: 0.8, ...spec }, { backend, dtype: 'float64', rng });
  for (const t of Object.values(net.params)) for (let i = 0; i < t.size; i++) t.data[i] += 0.3 * rng.normal();
  for (const bn of net.batchNorms) {
    for (let i = 0; i < bn.runningMean.size; i++) {
      bn.runningMean.data[i] = 0.5 * rng.normal();
      bn.runningVar.data[i] = 0.2 + rng.uniform();
    }
  }
  return net;
}

/** Central differences of the class's logit in inference mode, one pixel at a time. */
function numericalInputGradient(net: MultiLayerNet | LayerListNet, pixels: number[], classIndex: number): number[] {
  const logit = (x: number[]): number => net.predict(Tensor.from(x, [1, x.length], 'float64'), false).data[classIndex];
  return pixels.map((_, i) => {
    const plus = pixels.slice();
    const minus = pixels.slice();
    plus[i] += EPS;
    minus[i] -= EPS;
    return (logit(plus) - logit(minus)) / (2 * EPS);
  });
}

function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), Math.abs(b[i]), 1e-8));
  return worst;
}

// float64 central differences with eps 1e-5: truncation ~eps^2 = 1e-10, rounding ~1e-16/eps = 1e-11, on
// gradients of order 0.1..1, so 1e-6 relative leaves a wide margin yet fails on any wrong term.
const TOLERANCE = 1e-6;
const pixels = Array.from({ length: 7 }, (_, i) => (i * 0.37) % 1);

describe('inputGradient (d logit(class) / d pixel)', () => {
  const cases: [string, Partial<NetworkSpec>][] = [
    ['ReLU', { activation: 'relu' }],
    ['sigmoid', { activation: 'sigmoid' }],
    ['ReLU with BatchNorm (inference: running statistics)', { activation: 'relu', batchNorm: true }],
    ['sigmoid with BatchNorm and Dropout 0.3 (inference scaling)', { activation: 'sigmoid', batchNorm: true, dropout: 0.3 }],
  ];
  for (const [name, spec] of cases) {
    it(`matches central differences within ${TOLERANCE} relative, every class: ${name}`, () => {
      const net = tinyNet(spec);
      for (let c = 0; c < 4; c++) {
        const { gradient, classIndex } = inputGradient(net, pixels, c);
        expect(classIndex).toBe(c);
        const numerical = numericalInputGradient(net, pixels, c);
        expect(numerical.some((g) => Math.abs(g) > 1e-3)).toBe(true);
        expect(maxRelativeError(gradient, numerical)).toBeLessThan(TOLERANCE);
      }
    });
  }

  it('defaults to the predicted class and returns the softmax of the scores', () => {
    const net = tinyNet({ activation: 'relu' });
    const scores = Array.from(net.predict(Tensor.from(pixels, [1, 7], 'float64'), false).data);
    const { classIndex, probabilities } = inputGradient(net, pixels);
    expect(classIndex).toBe(scores.indexOf(Math.max(...scores)));
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(probabilities[classIndex]).toBe(Math.max(...probabilities));
  });

  it('leaves training\'s first layer without dx and rejects a wrong size or class', () => {
    const net = tinyNet({});
    inputGradient(net, pixels, 1);
    expect(net.affines[0].computeInputGradient).toBe(false);
    expect(() => inputGradient(net, [0.5], 0)).toThrow(/1 pixels, the network takes 7/);
    expect(() => inputGradient(net, pixels, 4)).toThrow(/class 4 is not one of 0..3/);
  });

  it(`matches central differences through a convolution, max pooling and BatchNorm on images (1, 8, 8), within ${TOLERANCE}, without touching dW`, () => {
    const rng = new Rng(5);
    const net = new LayerListNet(
      { input: [1, 8, 8], layers: [{ type: 'conv', filters: 3, size: 3, stride: 1, pad: 1 }, { type: 'relu' }, { type: 'pool', size: 2, stride: 2 }, { type: 'batchnorm' }, { type: 'affine', units: 4 }], output: 4, weightInit: 0.8 },
      { backend, dtype: 'float64', rng },
    );
    for (const t of Object.values(net.params)) for (let i = 0; i < t.size; i++) t.data[i] += 0.3 * rng.normal();
    const { runningMean1, runningVar1 } = net.runningStatistics;
    for (let i = 0; i < runningMean1!.size; i++) {
      runningMean1!.data[i] = 0.5 * rng.normal();
      runningVar1!.data[i] = 0.2 + rng.uniform();
    }
    const image = Array.from({ length: 64 }, () => rng.uniform());
    const conv = net.weightLayers[0]!;
    const dW = Array.from(conv.dW.data);
    for (let c = 0; c < 4; c++) {
      const { gradient } = inputGradient(net, image, c);
      expect(gradient).toHaveLength(64);
      const numerical = numericalInputGradient(net, image, c);
      expect(numerical.some((g) => Math.abs(g) > 1e-3)).toBe(true);
      expect(maxRelativeError(gradient, numerical)).toBeLessThan(TOLERANCE);
    }
    expect(Array.from(conv.dW.data)).toEqual(dW);
  });
});
