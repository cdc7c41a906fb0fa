import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { randomSparse } from '../sparse-fixtures';
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

  it('sparseMatmul and sparseMatmulTransposed equal the dense products of the decoded batch (zeros skipped, same order)', () => {
    const rng = new Rng(9);
    for (const [count, rowLength, density, rows, n] of [[5, 7, 0.4, 9, 3], [12, 31, 0.2, 40, 17], [3, 1, 1, 4, 1], [6, 20, 0, 5, 4], [10, 50, 0.9, 1, 8]] as const) {
      const s = randomSparse(count, rowLength, density, rng);
      const indices = Int32Array.from({ length: rows }, () => rng.integer(count)); // repeats when rows > count
      const scale = rng.uniform() * 4 - 2;
      // The dense batch X (rows x rowLength) the sparse one stands for.
      const x = new Float64Array(rows * rowLength);
      for (let r = 0; r < rows; r++) for (let c = 0; c < rowLength; c++) x[r * rowLength + c] = s.dense[indices[r] * rowLength + c] * scale;
      const w = randomArray(rowLength * n, rng);
      const dout = randomArray(rows * n, rng);
      const out = new Float64Array(rows * n).fill(NaN); // stale values must be overwritten
      backend.sparseMatmul(s.rowStart, s.columns, s.values, rowLength, indices, scale, w, n, out);
      // The dense product adds the same float64 terms in the same order, plus exact zeros: identical.
      expect(out).toEqual(naiveGemm(false, false, rows, n, rowLength, 1, x, w, 0, new Float64Array(rows * n)));
      const dW = new Float64Array(rowLength * n).fill(NaN);
      backend.sparseMatmulTransposed(s.rowStart, s.columns, s.values, rowLength, indices, scale, dout, n, dW);
      expect(dW).toEqual(naiveGemm(true, false, rowLength, n, rows, 1, x, dout, 0, new Float64Array(rowLength * n)));
      // float32: each pixel rounded as gatherRows stores it, sums rounded to float32 after every term.
      const out32 = new Float32Array(rows * n);
      backend.sparseMatmul(s.rowStart, s.columns, s.values, rowLength, indices, scale, Float32Array.from(w), n, out32);
      const dW32 = new Float32Array(rowLength * n);
      backend.sparseMatmulTransposed(s.rowStart, s.columns, s.values, rowLength, indices, scale, Float32Array.from(dout), n, dW32);
      const absX = x.map(Math.abs);
      const magOut = naiveGemm(false, false, rows, n, rowLength, 1, absX, w.map(Math.abs), 0, new Float64Array(rows * n));
      const magDW = naiveGemm(true, false, rowLength, n, rows, 1, absX, dout.map(Math.abs), 0, new Float64Array(rowLength * n));
      // <= 50 terms each rounded once or twice in float32 (eps 6e-8): far below 1e-5 of sum |terms|.
      for (let i = 0; i < out.length; i++) expect(Math.abs(out32[i] - out[i])).toBeLessThanOrEqual(1e-5 * magOut[i]);
      for (let i = 0; i < dW.length; i++) expect(Math.abs(dW32[i] - dW[i])).toBeLessThanOrEqual(1e-5 * magDW[i]);
    }
  });

  it('sparse products: zero sizes work; bad indices, encodings, lengths and dtypes throw naming the argument', () => {
    const rowStart = new Int32Array([0, 2, 2, 3]); // image 1 has no pixels
    const columns = new Uint16Array([0, 3, 1]);
    const values = new Uint8Array([10, 20, 30]);
    const w = new Float64Array([1, 2, 3, 4, 5, 6, 7, 8]); // 4 x 2
    const out = new Float64Array(6).fill(NaN);
    backend.sparseMatmul(rowStart, columns, values, 4, new Int32Array([1, 0, 2]), 0.5, w, 2, out);
    expect(Array.from(out)).toEqual([0, 0, 5 * 1 + 10 * 7, 5 * 2 + 10 * 8, 15 * 3, 15 * 4]);
    const dW = new Float64Array(8).fill(NaN);
    backend.sparseMatmulTransposed(rowStart, columns, values, 4, new Int32Array(0), 1, new Float64Array(0), 2, dW);
    expect(Array.from(dW)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]); // no rows: dW = 0, overwritten
    backend.sparseMatmul(rowStart, columns, values, 4, new Int32Array([0, 2]), 1, new Float64Array(0), 0, new Float64Array(0)); // n = 0
    backend.sparseMatmul(new Int32Array([0]), new Uint16Array(0), new Uint8Array(0), 0, new Int32Array(0), 1, new Float64Array(0), 3, new Float64Array(0));
    for (const name of ['sparseMatmul', 'sparseMatmulTransposed'] as const) {
      const run = (rs: Int32Array, cols: Uint16Array, vals: Uint8Array, indices: Int32Array, inLength = 8, outLength = 8, f64Out = true) =>
        () => backend[name](rs, cols, vals, 4, indices, 1, new Float64Array(inLength), 2, f64Out ? new Float64Array(outLength) : new Float32Array(outLength));
      expect(run(rowStart, columns, values, new Int32Array([0, 3]))).toThrow(new RegExp(`^${name}: index 3 at position 1 is outside \\[0, 3\\)$`));
      expect(run(rowStart, columns, values, new Int32Array([-1]))).toThrow(/index -1 at position 0 is outside \[0, 3\)/);
      expect(run(rowStart, new Uint16Array([0, 4, 1]), values, new Int32Array([0]))).toThrow(/image 0 has pixel column 4 outside rowLength 4/);
      expect(run(new Int32Array([0, 2, 1, 3]), columns, values, new Int32Array([1]))).toThrow(/image 1 spans pixels \[2, 1\) outside the 3 stored/);
      expect(run(new Int32Array([0, 2, 2, 4]), columns, values, new Int32Array([2]))).toThrow(/image 2 spans pixels \[2, 4\) outside the 3 stored/);
      expect(run(new Int32Array(0), columns, values, new Int32Array(0))).toThrow(/rowStart needs at least 1 value/);
      expect(run(rowStart, columns, new Uint8Array(2), new Int32Array([0]))).toThrow(/values has 2 entries but columns has 3/);
      expect(run(rowStart, columns, values, new Int32Array([0]), 8, 8, false)).toThrow(TypeError);
      expect(run(rowStart, columns, values, new Int32Array([0]), 8, 8, false)).toThrow(/share one dtype/);
      expect(run(rowStart, columns, values, new Int32Array([0, 3]))).toThrow(RangeError);
    }
    const f = (inLength: number, outLength: number) => () => backend.sparseMatmul(rowStart, columns, values, 4, new Int32Array([0, 2]), 1, new Float64Array(inLength), 2, new Float64Array(outLength));
    expect(f(7, 4)).toThrow(/sparseMatmul: W 4x2 needs 8 values, got 7/);
    expect(f(8, 3)).toThrow(/sparseMatmul: out 2x2 needs 4 values, got 3/);
    const t = (inLength: number, outLength: number) => () => backend.sparseMatmulTransposed(rowStart, columns, values, 4, new Int32Array([0, 2]), 1, new Float64Array(inLength), 2, new Float64Array(outLength));
    expect(t(3, 8)).toThrow(/sparseMatmulTransposed: dout 2x2 needs 4 values, got 3/);
    expect(t(4, 7)).toThrow(/sparseMatmulTransposed: out 4x2 needs 8 values, got 7/);
    expect(() => backend.sparseMatmul(rowStart, columns, values, -4, new Int32Array(0), 1, w, 2, out)).toThrow(/rowLength must be a non-negative integer/);
  });
});
