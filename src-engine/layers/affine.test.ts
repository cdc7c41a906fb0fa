import { describe, expect, it } from 'vitest';
import type { Backend, DType } from '../backend';
import { nativeForTests } from '../../src-services/backends/native-for-tests';
import { createTsBackend } from '../backends/ts-backend';
import { numericalGradient } from '../gradient';
import { TensorOps } from '../ops';
import { Rng } from '../rng';
import { encodeSparseImages, SparseBatch } from '../sparse-images';
import { Tensor } from '../tensor';
import { Affine } from './affine';

const backend = createTsBackend();
const ops = new TensorOps(backend);
// The sparse products of both backends, the native one wherever it loads.
const sparseBackends: Backend[] = nativeForTests.backend ? [backend, nativeForTests.backend] : [backend];

function random(shape: number[], rng: Rng): Tensor {
  const t = Tensor.zeros(shape, 'float64');
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal();
  return t;
}

describe('Affine', () => {
  it('flattens N-D input to (N, -1), and dx gets the input shape back', () => {
    const rng = new Rng(1);
    const affine = new Affine(random([12, 5], rng), random([5], rng), ops);
    const x = random([4, 1, 3, 4], rng);
    const y = affine.forward(x);
    expect(y.shape).toEqual([4, 5]);
    const dx = affine.backward(Tensor.zeros([4, 5], 'float64'));
    expect(dx.shape).toEqual([4, 1, 3, 4]);
    expect(affine.dW.shape).toEqual([12, 5]);
    expect(affine.db.shape).toEqual([5]);
    expect(() => affine.forward(random([4, 11], rng))).toThrow(/matmul: out = x W needs x \(N, k\), W \(k, n\), out \(N, n\); got x \(4, 11\), W \(12, 5\)/);
  });

  it('computes y = xW + b', () => {
    const W = Tensor.from([1, 2, 3, 4, 5, 6], [3, 2], 'float64');
    const b = Tensor.from([10, 20], [2], 'float64');
    const affine = new Affine(W, b, ops);
    const y = affine.forward(Tensor.from([1, 0, 2, 0, 1, 1], [2, 3], 'float64'));
    expect(Array.from(y.data)).toEqual([1 + 10 + 10, 2 + 12 + 20, 3 + 5 + 10, 4 + 6 + 20]);
  });

  it('dx, dW and db match central differences of sum(dout * y)', () => {
    const rng = new Rng(7);
    const W = random([6, 4], rng);
    const b = random([4], rng);
    const x = random([3, 6], rng);
    const dout = random([3, 4], rng);
    const affine = new Affine(W, b, ops);
    const objective = (): number => {
      const y = affine.forward(x);
      let s = 0;
      for (let i = 0; i < y.size; i++) s += y.data[i] * dout.data[i];
      return s;
    };
    const numW = numericalGradient(objective, W);
    const numB = numericalGradient(objective, b);
    const numX = numericalGradient(objective, x);
    affine.forward(x);
    const dx = affine.backward(dout).clone();
    // The objective is linear, so central differences are exact up to float64 rounding (~1e-12).
    for (const [analytic, numeric] of [[affine.dW, numW], [affine.db, numB], [dx, numX]] as const) {
      for (let i = 0; i < analytic.size; i++) expect(analytic.data[i]).toBeCloseTo(numeric.data[i], 9);
    }
  });

  it('shares W and b by reference, so in-place updates are seen', () => {
    const W = Tensor.from([1, 1], [1, 2], 'float64');
    const b = Tensor.from([0, 0], [2], 'float64');
    const affine = new Affine(W, b, ops);
    W.data[0] = 5;
    expect(affine.W).toBe(W);
    expect(Array.from(affine.forward(Tensor.from([2], [1, 1], 'float64')).data)).toEqual([10, 2]);
  });

  describe.each(sparseBackends.map((b) => [b.name, new TensorOps(b)] as const))('on a SparseBatch of uint8 images (%s backend)', (name, b) => {
    /** count x rowLength pixels, ~30 % nonzero, one image all zero; a batch of rows indices with repeats. */
    function setup(dtype: DType, seed: number) {
      const rng = new Rng(seed);
      const [count, rowLength, outputs, rows] = [9, 37, 13, 25];
      const pixels = new Uint8Array(count * rowLength);
      for (let i = rowLength; i < pixels.length; i++) if (rng.uniform() < 0.3) pixels[i] = 1 + rng.integer(255);
      const indices = Int32Array.from({ length: rows }, (_, r) => (r === 3 ? 0 : rng.integer(count)));
      const scale = 1 / 255;
      const batch = new SparseBatch(encodeSparseImages(pixels, count, rowLength), indices, scale);
      // The dense x the trainer would gather: pixel * scale in the layer's dtype.
      const x = Tensor.zeros([rows, rowLength], dtype);
      for (let r = 0; r < rows; r++) for (let c = 0; c < rowLength; c++) x.data[r * rowLength + c] = pixels[indices[r] * rowLength + c] * scale;
      const W = Tensor.zeros([rowLength, outputs], dtype);
      const bias = Tensor.zeros([outputs], dtype);
      for (let i = 0; i < W.size; i++) W.data[i] = rng.normal();
      for (let i = 0; i < bias.size; i++) bias.data[i] = rng.normal();
      const dout = Tensor.zeros([rows, outputs], dtype);
      for (let i = 0; i < dout.size; i++) dout.data[i] = rng.normal();
      return { batch, x, W, bias, dout, rows, outputs, rowLength };
    }

    /**
     * Largest |a - b| / (1 + |b|). Each output sums <= 37 products of a pixel in [0, 1] and a N(0, 1) value
     * (<= 25 rows for dW): float64 rounding stays below 37 x 2.2e-16 x sum |terms| < 1e-12 (1 + |value|);
     * float32 (eps 6e-8 per operation) below 1e-5.
     */
    function worst(a: ArrayLike<number>, e: ArrayLike<number>): number {
      expect(a.length).toBe(e.length);
      let m = 0;
      for (let i = 0; i < e.length; i++) {
        const d = Math.abs(a[i] - e[i]) / (1 + Math.abs(e[i]));
        m = Number.isNaN(d) ? Infinity : Math.max(m, d);
      }
      return m;
    }

    for (const dtype of ['float64', 'float32'] as const) {
      it(`${dtype}: forward and backward (dW, db) equal those of the dense batch x = pixel / 255`, () => {
        const tol = dtype === 'float64' ? 1e-12 : 1e-5;
        const { batch, x, W, bias, dout, rows, outputs, rowLength } = setup(dtype, 12);
        const sparse = new Affine(W, bias, b, { computeInputGradient: false });
        const dense = new Affine(W, bias, b, { computeInputGradient: false });
        const y = sparse.forward(batch);
        const yDense = dense.forward(x);
        expect(y.shape).toEqual([rows, outputs]);
        expect(y.dtype).toBe(dtype);
        expect(worst(y.data, yDense.data)).toBeLessThanOrEqual(tol);
        // Row 3 is the all-zero image: its scores are the bias alone.
        expect(Array.from(y.data.subarray(3 * outputs, 4 * outputs))).toEqual(Array.from(bias.data));
        const dx = sparse.backward(dout);
        dense.backward(dout);
        expect(dx.size).toBe(0); // no input gradient for images
        expect(sparse.dW.shape).toEqual([rowLength, outputs]);
        expect(worst(sparse.dW.data, dense.dW.data)).toBeLessThanOrEqual(tol);
        expect(worst(sparse.db.data, dense.db.data)).toBeLessThanOrEqual(tol);
        // The TypeScript backend adds the same terms in the same order, only skipping exact zeros: identical.
        if (name === 'ts') {
          expect(y.data).toEqual(yDense.data);
          expect(sparse.dW.data).toEqual(dense.dW.data);
        }
        // The gradient is the one of this batch: a second, different batch replaces it (dW is overwritten).
        const other = new SparseBatch(batch.images, Int32Array.from([1, 2]), batch.scale);
        sparse.forward(other);
        sparse.backward(Tensor.zeros([2, outputs], dtype));
        expect(Array.from(sparse.dW.data).every((v) => v === 0)).toBe(true);
      });
    }

    it('the same layer takes dense and sparse batches in turn; each backward follows its own forward', () => {
      const { batch, x, W, bias, dout } = setup('float64', 5);
      const affine = new Affine(W, bias, b, { computeInputGradient: false });
      const reference = new Affine(W, bias, b, { computeInputGradient: false });
      reference.forward(x);
      reference.backward(dout);
      const dWDense = Float64Array.from(reference.dW.data);
      affine.forward(x);
      affine.forward(batch);
      affine.backward(dout);
      expect(worst(affine.dW.data, dWDense)).toBeLessThanOrEqual(1e-12);
      affine.forward(batch);
      affine.forward(x);
      affine.computeInputGradient = true;
      const dx = affine.backward(dout);
      expect(dx.shape).toEqual(x.shape); // the dense path, with its input gradient
      expect(worst(affine.dW.data, dWDense)).toBeLessThanOrEqual(1e-12);
    });

    it('gives an image batch the input gradient of its dense rows, and refuses shapes that do not fit', () => {
      const { batch, x, W, bias, dout, rows, outputs, rowLength } = setup('float64', 6);
      const affine = new Affine(W, bias, b); // computeInputGradient defaults to true
      const dense = new Affine(W, bias, b);
      affine.forward(batch);
      dense.forward(x);
      const dx = affine.backward(dout);
      expect(dx.shape).toEqual([rows, rowLength]);
      // dx = dout W^T does not read x: the same kernel on the same operands.
      expect(dx.data).toEqual(dense.backward(dout).data);
      expect(() => affine.backward(Tensor.zeros([rows + 1, outputs], 'float64'))).toThrow(/matmulTransposedA: out = x\^T dout needs .*; got x \(25, 37\), dout \(26, 13\)/);
      const narrow = new SparseBatch(encodeSparseImages(new Uint8Array(36 * 2), 2, 36), new Int32Array([0, 1]), 1 / 255);
      expect(() => affine.forward(narrow)).toThrow(RangeError);
      expect(() => affine.forward(narrow)).toThrow(/matmul: .*; got x \(2, 36\), W \(37, 13\), out \(2, 13\)/);
      const bad = new SparseBatch(batch.images, new Int32Array([0, 9]), 1 / 255); // 9 images: index 9 is out of range
      expect(() => affine.forward(bad)).toThrow(/index 9 at position 1 is outside \[0, 9\)/);
    });
  });
});
