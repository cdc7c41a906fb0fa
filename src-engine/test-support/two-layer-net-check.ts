import { expect } from 'vitest';
import type { Backend } from '../backend';
import { createTsBackend } from '../backends/ts-backend';
import type { Dataset } from '../dataset';
import { NUMERICAL_GRADIENT_H } from '../gradient';
import { TwoLayerNet } from '../networks/two-layer-net';
import { TensorOps } from '../ops';
import { Rng } from '../rng';
import { Tensor } from '../tensor';

/**
 * The book's gradient check of TwoLayerNet(784, 50, 10) on the first 3 MNIST images (section 5.7.3): backprop
 * against central differences, mean |diff| per parameter at most 1e-6 with the loss's delta 1e-7 and 1e-9
 * without. Shared by the unit test (TypeScript backend, W1 sampled) and the chapter test (every entry).
 */

/** The first n training images as float64 in [0, 1] and their one-hot labels, as load_mnist returns them. */
export function firstImages(mnist: Dataset, n: number): { x: Tensor; t: Tensor } {
  const x = Tensor.zeros([n, 784], 'float64');
  new TensorOps(createTsBackend()).gatherRows(mnist.train.images, Int32Array.from({ length: n }, (_, i) => i), 1 / 255, x);
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
 * The full check runs on the native backend in the chapter tests (src-engine/chapters), where it takes seconds.
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

export function checkTwoLayerNet(mnist: Dataset, b: Backend, sampledW1: boolean): void {
  const { x, t } = firstImages(mnist, 3);
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

