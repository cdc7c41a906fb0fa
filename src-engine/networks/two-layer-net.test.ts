import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../backend';
import type { Dataset } from '../dataset';
import { nativeForTests } from '../../src-services/backends/native-for-tests';
import { bundledMnistDirectory, loadIdxDataset } from '../../src-services/data/load-dataset';
import { createTsBackend } from '../backends/ts-backend';
import { meanAbsoluteDifferences, NUMERICAL_GRADIENT_H } from '../gradient';
import { TensorOps } from '../ops';
import { Rng } from '../rng';
import { Tensor } from '../tensor';
import { MultiLayerNet, weightScale } from './multi-layer-net';
import { TwoLayerNet } from './two-layer-net';

const backend = createTsBackend();
let mnist: Dataset;

beforeAll(async () => {
  mnist = await loadIdxDataset(bundledMnistDirectory());
});

/** The first n training images as float64 in [0, 1] and their one-hot labels, as load_mnist returns them. */
function firstImages(n: number): { x: Tensor; t: Tensor } {
  const x = Tensor.zeros([n, 784], 'float64');
  new TensorOps(backend).gatherRows(mnist.train.images, Int32Array.from({ length: n }, (_, i) => i), 1 / 255, x);
  const t = Tensor.zeros([n, 10], 'float64');
  for (let i = 0; i < n; i++) t.data[i * 10 + mnist.train.labels[i]] = 1;
  return { x, t };
}

/** The book's central difference (numerical_gradient), at the given entries of x only. */
function numericalAt(f: () => number, x: Tensor, entries: readonly number[]): Float64Array {
  const h = NUMERICAL_GRADIENT_H;
  return Float64Array.from(entries, (i) => {
    const original = x.data[i];
    x.data[i] = original + h;
    const plus = f();
    x.data[i] = original - h;
    const minus = f();
    x.data[i] = original;
    return (plus - minus) / (2 * h);
  });
}

/**
 * W1 entries to check on the TypeScript backend: all 50 columns of 20 of the pixels (rows of W1) where one
 * of the images has ink, spread evenly over them. A W1 row of a pixel that is 0 in every image has gradient
 * exactly 0 both ways (x^T dout is 0 there, and perturbing it leaves the loss unchanged), so it only dilutes
 * the book's mean: the sampled mean over ink rows is the larger, held to the same bound. A wrong dW (swapped
 * or transposed operands, a missing 1/N, a row off by one) changes every ink row, so 1000 entries of 20 rows
 * show it as surely as all 39200; a correct one differs by the same rounding and delta terms in every row.
 * The full check runs on the native backend below, where it takes seconds instead of a minute.
 */
function inkRowEntries(x: Tensor, rows: number, hidden: number): number[] {
  const ink: number[] = [];
  for (let p = 0; p < 784; p++) if (Array.from({ length: x.shape[0] }, (_, r) => x.data[r * 784 + p]).some((v) => v > 0)) ink.push(p);
  const picked = Array.from({ length: rows }, (_, k) => ink[Math.floor((k * ink.length) / rows)]);
  return picked.flatMap((p) => Array.from({ length: hidden }, (_, j) => p * hidden + j));
}

/** mean |a - b| over the entries. */
function meanDifference(a: Tensor, entries: readonly number[], b: Float64Array): number {
  return entries.reduce((sum, i, k) => sum + Math.abs(a.data[i] - b[k]), 0) / entries.length;
}

function checkTwoLayerNet(b: Backend, sampledW1: boolean): void {
  const { x, t } = firstImages(3);
  for (const [delta, bound] of [[1e-7, 1e-6], [0, 1e-9]] as const) {
    const net = new TwoLayerNet(784, 50, 10, 0.01, { backend: b, dtype: 'float64', rng: new Rng(0) });
    net.lastLayer.delta = delta;
    const loss = (): number => net.loss(x, t, true);
    const entries = sampledW1 ? inkRowEntries(x, 20, 50) : Array.from({ length: net.params.W1.size }, (_, i) => i);
    const numericalW1 = numericalAt(loss, net.params.W1, entries);
    const numerical = { b1: numericalAt(loss, net.params.b1, [...net.params.b1.data.keys()]), W2: numericalAt(loss, net.params.W2, [...net.params.W2.data.keys()]), b2: numericalAt(loss, net.params.b2, [...net.params.b2.data.keys()]) };
    const backprop = net.gradient(x, t);
    expect(Object.keys(backprop)).toEqual(['W1', 'b1', 'W2', 'b2']);
    expect(meanDifference(backprop.W1, entries, numericalW1), `W1 (delta ${delta})`).toBeLessThanOrEqual(bound);
    for (const key of ['b1', 'W2', 'b2'] as const) {
      const all = [...backprop[key].data.keys()];
      expect(meanDifference(backprop[key], all, numerical[key]), `${key} (delta ${delta})`).toBeLessThanOrEqual(bound);
    }
    // The check is meaningful only if the gradients are not themselves tiny.
    expect(meanDifference(backprop.b2, [...backprop.b2.data.keys()], new Float64Array(10))).toBeGreaterThan(1e-3);
    expect(meanDifference(backprop.W1, entries, new Float64Array(entries.length))).toBeGreaterThan(1e-5);
  }
}

describe('TwoLayerNet(784, 50, 10) gradient check on the first 3 MNIST images (book 5.7.3)', () => {
  it('backprop matches the numerical gradient: mean |diff| <= 1e-6 with the loss\'s 1e-7, <= 1e-9 without (TypeScript backend, W1 sampled)', () => {
    checkTwoLayerNet(backend, true);
  });
});

describe.skipIf(!nativeForTests.backend)('TwoLayerNet gradient check on the native backend', () => {
  it('the same bounds over every entry of W1', () => {
    checkTwoLayerNet(nativeForTests.backend!, false);
  });
});

describe('MultiLayerNet', () => {
  it('shares parameters by reference with its Affine layers and skips the first layer\'s dx', () => {
    const net = new MultiLayerNet({ hiddenSizes: [20, 10], weightInit: 'he' }, { backend, dtype: 'float32', rng: new Rng(3) });
    expect(Object.keys(net.params)).toEqual(['W1', 'b1', 'W2', 'b2', 'W3', 'b3']);
    expect(net.affines[0].W).toBe(net.params.W1);
    expect(net.affines[2].b).toBe(net.params.b3);
    expect(net.affines[0].computeInputGradient).toBe(false);
    expect(net.layers.map((l) => l.name)).toEqual(['Affine1', 'Relu1', 'Affine2', 'Relu2', 'Affine3']);
  });

  it('draws weights with the requested scale (std, He, Xavier) and zero biases', () => {
    expect(weightScale(0.01, 784)).toBe(0.01);
    expect(weightScale('he', 50)).toBeCloseTo(0.2, 15);
    expect(weightScale('xavier', 100)).toBeCloseTo(0.1, 15);
    const net = new MultiLayerNet({ inputSize: 400, hiddenSizes: [300], weightInit: 'relu' }, { backend, dtype: 'float64', rng: new Rng(5) });
    const W1 = net.params.W1.data;
    let sq = 0;
    for (let i = 0; i < W1.length; i++) sq += W1[i] * W1[i];
    // 120000 draws: the sample std is within ~0.3% of sqrt(2/400) with overwhelming probability.
    expect(Math.sqrt(sq / W1.length)).toBeCloseTo(Math.sqrt(2 / 400), 3);
    expect(Array.from(net.params.b1.data).every((v) => v === 0)).toBe(true);
  });

  it('a deeper sigmoid net with weight decay passes the gradient check in float64', () => {
    const { x, t } = firstImages(2);
    const net = new MultiLayerNet(
      { hiddenSizes: [8, 6], activation: 'sigmoid', weightInit: 'xavier', weightDecay: 0.1, lossDelta: 0 },
      { backend, dtype: 'float64', rng: new Rng(11) },
    );
    const diff = meanAbsoluteDifferences(net.gradient(x, t), net.numericalGradient(x, t));
    for (const [key, value] of Object.entries(diff)) expect(value, key).toBeLessThanOrEqual(1e-8);
  });

  it('accuracy compares the argmax of the scores with labels or one-hot rows', () => {
    const { x, t } = firstImages(5);
    const net = new MultiLayerNet({}, { backend, dtype: 'float64', rng: new Rng(0) });
    const labels = Int32Array.from(mnist.train.labels.subarray(0, 5));
    const a = net.accuracy(x, labels);
    expect(net.accuracy(x, t)).toBe(a);
    expect(a * 5).toBe(Math.round(a * 5));
  });
});
