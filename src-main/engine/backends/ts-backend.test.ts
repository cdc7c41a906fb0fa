import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { createTsBackend } from './ts-backend';

const backend = createTsBackend();

/** C = alpha op(A) op(B) + beta C by the definition, index by index. */
function naiveGemm(tA: boolean, tB: boolean, m: number, n: number, k: number, alpha: number, a: Float64Array, b: Float64Array, beta: number, c: Float64Array): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (tA ? a[p * m + i] : a[i * k + p]) * (tB ? b[j * k + p] : b[p * n + j]);
      out[i * n + j] = alpha * s + (beta === 0 ? 0 : beta * c[i * n + j]);
    }
  }
  return out;
}

function randomArray(n: number, rng: Rng): Float64Array {
  return Float64Array.from({ length: n }, () => rng.normal());
}

describe('TypeScript backend', () => {
  it('gemm matches the definition for every transpose combination, alpha and beta', () => {
    const rng = new Rng(4);
    for (const [m, n, k] of [[1, 1, 1], [3, 5, 7], [17, 2, 9], [8, 13, 1]]) {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          for (const [alpha, beta] of [[1, 0], [0.5, 1], [-2, 0.25]]) {
            const a = randomArray(m * k, rng);
            const b = randomArray(k * n, rng);
            const c = randomArray(m * n, rng);
            const expected = naiveGemm(tA, tB, m, n, k, alpha, a, b, beta, c);
            backend.gemm(tA, tB, m, n, k, alpha, a, b, beta, c);
            // Same float64 products summed in another order: differences are a few ulps of sum |terms|.
            for (let i = 0; i < c.length; i++) expect(c[i]).toBeCloseTo(expected[i], 12);
          }
        }
      }
    }
  });

  it('gemm with beta = 0 ignores NaN in C; k = 0 scales C; short buffers and mixed dtypes throw', () => {
    const c = new Float64Array([NaN, NaN]);
    backend.gemm(false, false, 1, 2, 1, 1, new Float64Array([2]), new Float64Array([3, 4]), 0, c);
    expect(Array.from(c)).toEqual([6, 8]);
    const d = new Float64Array([1, 2]);
    backend.gemm(false, false, 1, 2, 0, 1, new Float64Array(0), new Float64Array(0), 3, d);
    expect(Array.from(d)).toEqual([3, 6]);
    expect(() => backend.gemm(false, false, 2, 2, 2, 1, new Float64Array(3), new Float64Array(4), 0, new Float64Array(4))).toThrow(/A 2x2 needs 4 values, got 3/);
    expect(() => backend.gemm(false, false, 1, 1, 1, 1, new Float32Array(1), new Float64Array(1), 0, new Float64Array(1))).toThrow(TypeError);
  });

  it('fused bias + ReLU, column sums, argmax, axpby and the uint8 gather', () => {
    const x = new Float32Array([1, -2, 3, -4]);
    backend.addBias(x, 2, 2, new Float32Array([0.5, 1]), true);
    expect(Array.from(x)).toEqual([1.5, 0, 3.5, 0]);
    const sums = new Float64Array(3);
    backend.colSums(new Float64Array([1, 2, 3, 4, 5, 6]), 2, 3, sums);
    expect(Array.from(sums)).toEqual([5, 7, 9]);
    const arg = new Int32Array(2);
    backend.argmaxRows(new Float64Array([0, 3, 3, 9, 1, 2]), 2, 3, arg);
    expect(Array.from(arg)).toEqual([1, 0]);
    const y = new Float64Array([1, 1]);
    backend.axpby(2, new Float64Array([1, 2]), -1, y, 2);
    expect(Array.from(y)).toEqual([1, 3]);
    const out = new Float32Array(4);
    backend.gatherRows(new Uint8Array([0, 255, 51, 102, 7, 8]), 2, new Int32Array([1, 0]), 1 / 255, out);
    expect(Array.from(out)).toEqual([0.2, 0.4, 0, 1].map(Math.fround));
    expect(() => backend.gatherRows(new Uint8Array(4), 2, new Int32Array([2]), 1, out)).toThrow(/index 2 at position 0 is outside \[0, 2\)/);
  });
});
