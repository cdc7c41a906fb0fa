import { expect, it } from 'vitest';
import type { Backend, FloatArray } from '../../src-engine/backend';
import { Rng } from '../../src-engine/rng';
import { randomSparse } from '../../src-engine/sparse-fixtures';
import type { SparseImages } from '../../src-engine/sparse-images';
import { createTsBackend } from '../../src-engine/backends/ts-backend';
import type { KernelThreads } from './kernel-properties';

/** The sparse products' property tests against the TypeScript reference, for a compiled backend (see kernel-properties.ts). */
const ts = createTsBackend();
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
function float32Exact(n: number, rng: Rng): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.fround(rng.uniform() * 2 - 1);
  return a;
}

interface SparseCase {
  readonly set: SparseImages;
  readonly indices: Int32Array;
  readonly scale: number;
  readonly n: number;
}

/**
 * Runs both sparse products natively in float32 and float64 and checks them against the TypeScript backend
 * in float64 on the same (float32-exact) inputs. An output is a sum of pixel * scale * weight terms: float32
 * rounds the scaled pixel and each partial sum (eps 6e-8 per operation, <= 301 terms, measured worst
 * ~2.3 eps x sum |terms|), so 1e-5 x sum |terms| holds with a wide margin; float64 likewise within 1e-12.
 * A term-free output (empty image, untouched dW row) must be exactly 0 however stale the buffer was, and
 * nothing past the output's end may be written.
 */
function checkSparseCase(native: Backend, c: SparseCase, rng: Rng, threads: KernelThreads): void {
  const { set, indices, scale, n } = c;
  const { rowStart, columns, values, rowLength } = set;
  const rows = indices.length;
  const label = (threads: number) => `rowLength ${rowLength}, n ${n}, rows ${rows}, images ${set.count}, nonzeros ${columns.length}, ${threads} threads`;
  const w = float32Exact(rowLength * n, rng);
  const dout = float32Exact(rows * n, rng);
  const expected = new Float64Array(rows * n);
  const expectedT = new Float64Array(rowLength * n);
  const magnitude = new Float64Array(rows * n);
  const magnitudeT = new Float64Array(rowLength * n);
  ts.sparseMatmul(rowStart, columns, values, rowLength, indices, scale, w, n, expected);
  ts.sparseMatmulTransposed(rowStart, columns, values, rowLength, indices, scale, dout, n, expectedT);
  // sum |terms|: pixels are >= 0, so the same products of |scale| and |W| (|dout|).
  ts.sparseMatmul(rowStart, columns, values, rowLength, indices, Math.abs(scale), w.map(Math.abs), n, magnitude);
  ts.sparseMatmulTransposed(rowStart, columns, values, rowLength, indices, Math.abs(scale), dout.map(Math.abs), n, magnitudeT);
  const guard = 5;
  for (const [count, F] of threads.counts.flatMap((t) => [[t, Float32Array], [t, Float64Array]] as const)) {
    threads.set(count);
    const tol = F === Float32Array ? 1e-5 : 1e-12;
    const out = new F(rows * n + guard).fill(NaN);
    out.fill(-7, rows * n);
    native.sparseMatmul(rowStart, columns, values, rowLength, indices, scale, F.from(w), n, out);
    const outT = new F(rowLength * n + guard).fill(NaN);
    outT.fill(-7, rowLength * n);
    native.sparseMatmulTransposed(rowStart, columns, values, rowLength, indices, scale, F.from(dout), n, outT);
    for (const [name, actual, want, mag] of [['sparseMatmul', out, expected, magnitude], ['sparseMatmulTransposed', outT, expectedT, magnitudeT]] as const) {
      for (let i = 0; i < want.length; i++) {
        const error = Math.abs(actual[i] - want[i]);
        if (!(error <= tol * mag[i])) expect(error, `${name} ${F.name} [${i}] ${actual[i]} vs ${want[i]} (${label(count)})`).toBeLessThanOrEqual(tol * mag[i]);
      }
      expect(Array.from(actual.subarray(want.length)), `${name} ${F.name} wrote past the end (${label(count)})`).toEqual([-7, -7, -7, -7, -7]);
    }
  }
}

/** Registers the sparse products' property tests for the backend `get` returns. */
export function sparseProperties(get: () => Backend, threads: KernelThreads): void {
  it('sparseMatmul and sparseMatmulTransposed match the TypeScript backend on random encodings, widths and batches, on each of its thread counts', () => {
    const kernels = get();
    const rng = new Rng(4242);
    // Output widths below, at and around every vector width (4/8/16 floats, 2/4/8 doubles: the scalar path for
    // n < one vector), odd, exact multiples of 8 and 16, and past one register block (7 vectors: 112 floats,
    // 56 doubles with AVX-512) so columns are blocked, a narrow last block shifts left, and > 224.
    const widths = [1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 48, 50, 56, 57, 64, 100, 112, 113, 127, 128, 224, 225, 240, 256, 301];
    const cases: SparseCase[] = widths.map((n) => {
      const count = 1 + rng.integer(60);
      const rowLength = [1, 2, 299, 300][rng.integer(8)] ?? 1 + rng.integer(300);
      // Densities from empty images through MNIST's 0.19 to every pixel set.
      const density = [0, 0.02, 0.19, 0.5, 1][rng.integer(5)]!;
      const rows = [0, 1][rng.integer(10)] ?? rng.integer(301);
      const indices = Int32Array.from({ length: rows }, () => rng.integer(count)); // repeats: rows > count often
      const scale = [1 / 255, -0.75, 2.5, Math.fround(rng.uniform() * 4 - 2)][rng.integer(4)]!;
      return { set: randomSparse(count, rowLength, density, rng), indices, scale, n };
    });
    try {
      for (const c of cases) checkSparseCase(kernels, c, rng, threads);
      // Large batches of MNIST-like images: ~150 nonzeros x 2001 rows x 50 columns is 2.4e8 "flops x 8", above
      // the 3e7 threshold, so with 2+ threads the forward rows split (unevenly: 2001 rows). n = 7 takes the
      // narrow scalar kernel on the same split.
      const mnistLike = randomSparse(500, 784, 0.19, rng);
      const big = (rows: number, n: number): SparseCase => ({ set: mnistLike, indices: Int32Array.from({ length: rows }, () => rng.integer(500)), scale: 1 / 255, n });
      checkSparseCase(kernels, big(2001, 50), rng, threads);
      checkSparseCase(kernels, big(3001, 7), rng, threads);
    } finally {
      threads.set(threads.counts[threads.counts.length - 1]!);
    }
  });

  it('sparse products of zero sizes and empty images write exact zeros (stale NaN replaced)', () => {
    const kernels = get();
    const rowStart = new Int32Array([0, 2, 2, 3]); // image 1 has no pixels
    const columns = new Uint16Array([0, 3, 1]);
    const values = new Uint8Array([10, 20, 30]);
    for (const F of [Float32Array, Float64Array]) {
      for (const n of [1, 5, 16, 40]) {
        // Rows of the empty image are all zero; the others are sums of pixels x 0.5 x W (1..4n).
        const w = new F(4 * n);
        for (let i = 0; i < w.length; i++) w[i] = i + 1;
        const out = new F(3 * n).fill(NaN);
        kernels.sparseMatmul(rowStart, columns, values, 4, new Int32Array([1, 0, 1]), 0.5, w, n, out);
        const expected = new F(3 * n);
        for (let c = 0; c < n; c++) expected[n + c] = 5 * w[c] + 10 * w[3 * n + c];
        expect(out).toEqual(expected);
        // dW of a batch of empty images (and of no rows at all) is all zeros.
        const dW = new F(4 * n).fill(NaN);
        kernels.sparseMatmulTransposed(rowStart, columns, values, 4, new Int32Array([1, 1]), 1, new F(2 * n).fill(NaN), n, dW);
        expect(dW).toEqual(new F(4 * n));
        dW.fill(NaN);
        kernels.sparseMatmulTransposed(rowStart, columns, values, 4, new Int32Array(0), 1, new F(0), n, dW);
        expect(dW).toEqual(new F(4 * n));
      }
      // No rows, no columns, no pixels per row, no images.
      kernels.sparseMatmul(rowStart, columns, values, 4, new Int32Array(0), 1, new F(8), 2, new F(0));
      kernels.sparseMatmul(rowStart, columns, values, 4, new Int32Array([0, 2]), 1, new F(0), 0, new F(0));
      kernels.sparseMatmulTransposed(rowStart, columns, values, 4, new Int32Array([0, 2]), 1, new F(0), 0, new F(0));
      const none = new F(6).fill(NaN);
      kernels.sparseMatmul(new Int32Array([0, 0]), new Uint16Array(0), new Uint8Array(0), 0, new Int32Array([0, 0, 0]), 1, new F(0), 2, none);
      expect(none).toEqual(new F(6));
      kernels.sparseMatmul(new Int32Array([0]), new Uint16Array(0), new Uint8Array(0), 0, new Int32Array(0), 1, new F(0), 3, new F(0));
      kernels.sparseMatmulTransposed(new Int32Array([0]), new Uint16Array(0), new Uint8Array(0), 0, new Int32Array(0), 1, new F(0), 3, new F(0));
    }
  });

  it('sparse products: NaN and Inf in W or dout reach exactly the outputs whose pixels use them', () => {
    const kernels = get();
    // Image 0 uses pixel 2, image 1 does not, image 2 uses pixels 2 and 5.
    const rowStart = new Int32Array([0, 2, 4, 6]);
    const columns = new Uint16Array([0, 2, 1, 3, 2, 5]);
    const values = new Uint8Array([9, 200, 7, 1, 255, 3]);
    const indices = new Int32Array([1, 0, 2, 1, 0]);
    for (const F of [Float32Array, Float64Array]) {
      for (const n of [3, 9, 37, 130]) {
        const w = new F(6 * n).fill(0.25);
        w[2 * n + 1] = NaN; // pixel 2, column 1
        w[2 * n + 2] = Infinity; // pixel 2, column 2
        w[5 * n + 2] = -Infinity; // pixel 5, column 2: Inf - Inf = NaN in image 2's rows only
        const out = new F(5 * n);
        kernels.sparseMatmul(rowStart, columns, values, 6, indices, 1 / 255, w, n, out);
        const expected = new F(5 * n);
        ts.sparseMatmul(rowStart, columns, values, 6, indices, 1 / 255, w, n, expected);
        for (let r = 0; r < 5; r++) {
          const image = indices[r];
          for (let c = 0; c < n; c++) {
            const v = out[r * n + c];
            const want = image === 1 || c > 2 || c === 0 ? 'finite' : c === 1 || image === 2 ? 'NaN' : 'Infinity';
            const got = Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : Number.isFinite(v) ? 'finite' : String(v);
            expect(got, `${F.name} n=${n} row ${r} (image ${image}) column ${c}`).toBe(want);
            if (want === 'finite') expect(Math.abs(v - expected[r * n + c])).toBeLessThanOrEqual(1e-6 * Math.abs(expected[r * n + c]));
          }
        }
        // dW = x^T dout: a NaN in dout row 1 (image 0) reaches dW rows 0 and 2 only, in that column only.
        const dout = new F(5 * n).fill(1);
        dout[1 * n + 1] = NaN;
        dout[4 * n + 0] = -Infinity; // row 4 is image 0 too: pixels 0 and 2 get -Inf in column 0
        const dW = new F(6 * n);
        kernels.sparseMatmulTransposed(rowStart, columns, values, 6, indices, 1 / 255, dout, n, dW);
        for (let p = 0; p < 6; p++) {
          for (let c = 0; c < n; c++) {
            const v = dW[p * n + c];
            const touched = p === 0 || p === 2;
            const want = touched && c === 1 ? 'NaN' : touched && c === 0 ? '-Infinity' : 'finite';
            const got = Number.isNaN(v) ? 'NaN' : v === -Infinity ? '-Infinity' : Number.isFinite(v) ? 'finite' : String(v);
            expect(got, `${F.name} n=${n} dW row ${p} column ${c}`).toBe(want);
          }
        }
      }
    }
  });

}
