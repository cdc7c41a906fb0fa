import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Backend, FloatArray, WindowArgs } from '../../src-engine/backend';
import { Rng } from '../../src-engine/rng';
import { randomSparse } from '../../src-engine/sparse-fixtures';
import type { SparseImages } from '../../src-engine/sparse-images';
import { nativeAddonPath, nativeInfo, setNativeThreads } from './native-backend';
import { nativeForTests } from './native-for-tests';
import { createTsBackend } from '../../src-engine/backends/ts-backend';


const ts = createTsBackend();
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

function random(n: number, rng: Rng, F: Ctor): FloatArray {
  const a = new F(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() * 2 - 1;
  return a;
}

/** Index of the first entry that is not the same value (Object.is: NaN equals NaN, -0 is not 0), -1 if none. */
function firstDifference(a: FloatArray, b: FloatArray): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** Values in [-1, 1) that float32 holds exactly, so one float64 reference serves both dtypes. */
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
function checkSparseCase(native: Backend, c: SparseCase, rng: Rng, threadCounts: readonly number[]): void {
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
  for (const [threads, F] of threadCounts.flatMap((t) => [[t, Float32Array], [t, Float64Array]] as const)) {
    setNativeThreads(threads);
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
        if (!(error <= tol * mag[i])) expect(error, `${name} ${F.name} [${i}] ${actual[i]} vs ${want[i]} (${label(threads)})`).toBeLessThanOrEqual(tol * mag[i]);
      }
      expect(Array.from(actual.subarray(want.length)), `${name} ${F.name} wrote past the end (${label(threads)})`).toEqual([-7, -7, -7, -7, -7]);
    }
  }
}

/**
 * The sparse kernels are compiled per instruction set (sparse_isa.inc in the AVX-512, AVX2 and baseline
 * builds), but a process runs only the one its CPU selects. This script runs in a child process with
 * BACKPROP_ISA forcing a lower one and checks it against a plain float64 loop, with the bounds of
 * checkSparseCase; it prints the ISA and the worst error / tolerance ratio (<= 1 passes).
 */
/**
 * The direct convolution kernels are compiled per instruction set too (conv_isa.inc): this child runs them
 * under BACKPROP_ISA on the cases given as argv[1] (window, filters) with inputs it draws (mostly zero pixels,
 * as in MNIST), and prints the inputs and outputs for the parent to check against the TypeScript backend.
 */
const CONV_ISA_CHILD = String.raw`
const b = require(process.env.BPW_ADDON);
let seed = 0x1234567;
const next = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 4294967296; };
const runs = [];
for (const { window, filters } of JSON.parse(process.argv[1])) {
  const [n, c, h, w, fh, fw, stride, pad] = window;
  const outH = Math.floor((h + 2 * pad - fh) / stride) + 1, outW = Math.floor((w + 2 * pad - fw) / stride) + 1;
  for (const F of [Float32Array, Float64Array]) {
    const x = F.from({ length: n * c * h * w }, () => (next() < 0.7 ? 0 : next()));
    const wt = F.from({ length: filters * c * fh * fw }, () => next() * 2 - 1);
    const bias = F.from({ length: filters }, () => next() - 0.5);
    const dout = F.from({ length: n * filters * outH * outW }, () => (next() < 0.5 ? 0 : next() * 2 - 1));
    const out = new F(dout.length), dw = new F(wt.length), db = new F(filters), dx = new F(x.length);
    b.convForward(x, wt, bias, out, filters, ...window);
    b.convBackwardFilters(x, dout, dw, db, filters, ...window);
    b.convBackwardInput(dout, wt, dx, filters, ...window);
    const plain = (a) => Array.from(a);
    runs.push({ f64: F === Float64Array, x: plain(x), w: plain(wt), bias: plain(bias), dout: plain(dout), out: plain(out), dw: plain(dw), db: plain(db), dx: plain(dx) });
  }
}
process.stdout.write(JSON.stringify({ isa: b.info().isa, runs }));
`;

const ISA_CHILD = String.raw`
const b = require(process.env.BPW_ADDON);
let seed = 0x2545f491;
const next = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 4294967296; };
const int = (n) => Math.floor(next() * n);
let worst = 0, cases = 0;
// Around the 16- and 32-byte vector widths (2/4 doubles, 4/8 floats) and their 7-vector register blocks.
const widths = [1, 2, 3, 4, 5, 7, 8, 9, 13, 14, 15, 16, 17, 28, 29, 56, 57, 113];
for (const threads of [1, b.info().threads]) {
  b.setThreads(threads);
  for (const n of widths) for (const F of [Float32Array, Float64Array]) {
    const count = 1 + int(40);
    // With 2+ threads, n = 13 gets 2000 MNIST-like rows (2 x 3e5 nonzeros x 13 x 8 = 6e7 >= 3e7): the rows split.
    const split = n === 13 && threads > 1;
    const [rowLength, density] = split ? [784, 0.19] : [1 + int(200), [0, 0.05, 0.2, 0.6, 1][int(5)]];
    const rows = split ? 2000 : int(150);
    const rowStart = new Int32Array(count + 1), cols = [], vals = [];
    for (let i = 0; i < count; i++) { for (let c = 0; c < rowLength; c++) if (next() < density) { cols.push(c); vals.push(1 + int(255)); } rowStart[i + 1] = cols.length; }
    const columns = Uint16Array.from(cols), values = Uint8Array.from(vals);
    const indices = Int32Array.from({ length: rows }, () => int(count));
    const scale = Math.fround(next() * 4 - 2);
    const w = F.from({ length: rowLength * n }, () => next() * 2 - 1), dout = F.from({ length: rows * n }, () => next() * 2 - 1);
    const out = new F(rows * n).fill(NaN), outT = new F(rowLength * n).fill(NaN);
    b.sparseMatmul(rowStart, columns, values, rowLength, indices, scale, w, n, out);
    b.sparseMatmulTransposed(rowStart, columns, values, rowLength, indices, scale, dout, n, outT);
    const ref = new Float64Array(rows * n), mag = new Float64Array(rows * n), refT = new Float64Array(rowLength * n), magT = new Float64Array(rowLength * n);
    for (let r = 0; r < rows; r++) for (let j = rowStart[indices[r]]; j < rowStart[indices[r] + 1]; j++) {
      const v = values[j] * scale, c = columns[j];
      for (let q = 0; q < n; q++) {
        ref[r * n + q] += v * w[c * n + q]; mag[r * n + q] += Math.abs(v * w[c * n + q]);
        refT[c * n + q] += v * dout[r * n + q]; magT[c * n + q] += Math.abs(v * dout[r * n + q]);
      }
    }
    const tol = F === Float32Array ? 1e-5 : 1e-12;
    for (const [a, e, m] of [[out, ref, mag], [outT, refT, magT]]) for (let i = 0; i < e.length; i++) {
      const err = Math.abs(a[i] - e[i]);
      const ratio = err === 0 ? 0 : err / (tol * m[i]);
      if (!(ratio <= worst)) worst = Number.isNaN(ratio) ? Infinity : ratio;
    }
    cases++;
  }
}
// GEMM the same way: every transpose pair, alpha and beta, shapes on both sides of the small-product path
// (op(B) of up to 4 vectors per row, <= 1.2e6 multiply-adds) and of the vector widths.
let gemmCases = 0;
for (const F of [Float32Array, Float64Array]) for (const [m, n, k] of [[1, 1, 1], [7, 3, 5], [100, 10, 50], [100, 50, 10], [50, 10, 100], [33, 17, 9], [64, 65, 31], [300, 9, 120], [130, 70, 90]]) {
  for (const tA of [false, true]) for (const tB of [false, true]) {
    const a = F.from({ length: m * k }, () => next() * 2 - 1), bm = F.from({ length: k * n }, () => next() * 2 - 1);
    const c0 = F.from({ length: m * n }, () => next() * 2 - 1), c = F.from(c0);
    const alpha = next() * 2 - 1, beta = [0, 1, next() * 2 - 1][int(3)];
    b.gemm(tA, tB, m, n, k, alpha, a, bm, beta, c);
    const tol = F === Float32Array ? 1e-5 : 1e-12;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let sum = 0, mag = Math.abs(beta * c0[i * n + j]);
      for (let p = 0; p < k; p++) { const t = alpha * a[tA ? p * m + i : i * k + p] * bm[tB ? j * k + p : p * n + j]; sum += t; mag += Math.abs(t); }
      const err = Math.abs(c[i * n + j] - (sum + beta * c0[i * n + j]));
      const ratio = err === 0 ? 0 : err / (tol * mag);
      if (!(ratio <= worst)) worst = Number.isNaN(ratio) ? Infinity : ratio;
    }
    gemmCases++;
  }
}
// As a string: JSON has no Infinity (a NaN output or an error where the tolerance is 0).
process.stdout.write(JSON.stringify({ isa: b.info().isa, cases, gemmCases, worst: String(worst) }));
`;

describe.skipIf(!nativeForTests.backend)('native backend', () => {
  const native = nativeForTests.backend as Backend;

  it('loads with an ISA chosen at run time and a configurable thread count', () => {
    const info = nativeInfo();
    expect(['avx512', 'avx2', 'sse2', 'generic', 'portable']).toContain(info.isa);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    setNativeThreads(1);
    expect(nativeInfo().threads).toBe(1);
    setNativeThreads(info.threads);
    expect(() => setNativeThreads(0)).toThrow(RangeError);
  });

  it('gemm matches the TypeScript backend on random shapes, every transpose, alpha and beta, on 1 and all threads', () => {
    const rng = new Rng(2024);
    const threads = nativeInfo().threads;
    // Sizes 1..300 including odd ones and the training shapes; both thread counts exercise both code paths.
    const shapes: Array<[number, number, number]> = [[100, 50, 784], [784, 50, 100], [100, 784, 50], [1, 1, 1], [301, 3, 17]];
    for (let i = 0; i < 30; i++) shapes.push([1 + rng.integer(300), 1 + rng.integer(300), 1 + rng.integer(300)]);
    // Above the 30 MFLOP parallel threshold: rows split evenly, too few row panels (columns split too), and
    // a single half-width panel.
    shapes.push([300, 300, 201], [20, 2000, 801], [7, 4000, 1100], [2000, 9, 1003]);
    // Large products take two-vector panels on AVX-512 (m and n >= 256): with edges of every kind, and more
    // than one packed block of B columns (n > 32 strips).
    shapes.push([257, 300, 33], [290, 259, 70], [300, 800, 5], [531, 263, 129]);
    for (const [m, n, k] of shapes) {
      const tA = rng.integer(2) === 1;
      const tB = rng.integer(2) === 1;
      const [alpha, beta] = [[1, 0], [0.5, 1], [-1.5, 0.25], [2, -1]][rng.integer(4)];
      for (const F of [Float32Array, Float64Array]) {
        const a = random(m * k, rng, F);
        const b = random(k * n, rng, F);
        const c0 = random(m * n, rng, F);
        // The reference runs in float64 on the same inputs, whatever the dtype under test, once for both thread counts.
        const expected = Float64Array.from(c0);
        ts.gemm(tA, tB, m, n, k, alpha, Float64Array.from(a), Float64Array.from(b), beta, expected);
        // A k-term dot product of values in [-1, 1] is off by at most ~k * eps * |alpha| (+ rounding of
        // beta * C). float32 (eps 1.2e-7, results stored in float32): 1e-5 relative to that magnitude;
        // float64: 1e-12.
        const tolerance = (F === Float32Array ? 1e-5 : 1e-12) * (k * Math.abs(alpha) + Math.abs(beta) + 1);
        for (const t of [1, threads]) {
          setNativeThreads(t);
          const c = c0.slice();
          native.gemm(tA, tB, m, n, k, alpha, a, b, beta, c);
          let worst = 0;
          for (let i = 0; i < m * n; i++) {
            const error = Math.abs(c[i] - expected[i]);
            if (!(error <= worst)) worst = Number.isNaN(error) ? Infinity : error;
          }
          expect(worst, `${m}x${n}x${k} ${tA} ${tB} ${F.name} on ${t} thread(s)`).toBeLessThanOrEqual(tolerance);
        }
      }
    }
    setNativeThreads(threads);
  });

  it('the optimizer rules match the TypeScript backend over several steps, and misuse throws', () => {
    const rng = new Rng(11);
    const n = 257;
    for (const F of [Float32Array, Float64Array]) {
      // Values of order 1 after a few steps; float32 rounds each operation (eps 1.2e-7, sqrt and division
      // included): 1e-5 relative; float64: 1e-12.
      const tol = F === Float32Array ? 1e-5 : 1e-12;
      for (const [rule, p1, p2] of [['momentum', 0.9, 0], ['nesterov', 0.9, 0], ['adagrad', 0, 0], ['rmsprop', 0.99, 0], ['adam', 0.9, 0.999]] as const) {
        const w = random(n, rng, F);
        const state = [new F(n), new F(n), new F(n), new F(n)];
        const wN = F.from(w);
        for (let step = 0; step < 5; step++) {
          const g = random(n, rng, F);
          ts.optimizerStep(rule, w, g, state[0]!, state[1]!, n, 0.01, p1, p2, 1e-7);
          native.optimizerStep(rule, wN, g, state[2]!, state[3]!, n, 0.01, p1, p2, 1e-7);
        }
        for (let i = 0; i < n; i++) expect(Math.abs(wN[i]! - w[i]!), `${rule} ${F.name}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w[i]!)));
      }
    }
    expect(() => native.optimizerStep('adam', new Float32Array(4), new Float32Array(4), new Float32Array(4), new Float32Array(2), 4, 0.1, 0.9, 0.999, 1e-7)).toThrow(/s2/);
    expect(() => native.optimizerStep('momentum', new Float32Array(4), new Float64Array(4), new Float32Array(4), new Float32Array(4), 4, 0.1, 0.9, 0, 1e-7)).toThrow(TypeError);
  });

  it('batch normalisation forward (training and inference) and backward match the TypeScript backend', () => {
    const rng = new Rng(13);
    const [rows, cols] = [37, 23];
    for (const F of [Float32Array, Float64Array]) {
      // Sums over 37 rows then a division by a std: float32 rounding to ~1e-5 relative; float64 1e-12.
      const tol = F === Float32Array ? 2e-5 : 1e-12;
      const x = random(rows * cols, rng, F);
      const gamma = random(cols, rng, F);
      const beta = random(cols, rng, F);
      const dout = random(rows * cols, rng, F);
      const run = (b: Backend) => {
        const mean = new F(cols), variance = new F(cols), xc = new F(rows * cols), xn = new F(rows * cols), std = new F(cols), out = new F(rows * cols);
        b.batchNormForward(x, rows, cols, gamma, beta, mean, variance, true, 0.9, 1e-6, xc, xn, std, out);
        const inference = new F(rows * cols);
        b.batchNormForward(x, rows, cols, gamma, beta, mean, variance, false, 0.9, 1e-6, xc, xn, std, inference);
        const dx = new F(rows * cols), dgamma = new F(cols), dbeta = new F(cols);
        b.batchNormBackward(dout, rows, cols, gamma, xc, xn, std, dx, dgamma, dbeta);
        return { out, mean, variance, inference, dx, dgamma, dbeta };
      };
      const expected = run(ts);
      const actual = run(native);
      for (const key of Object.keys(expected) as Array<keyof typeof expected>) {
        for (let i = 0; i < expected[key].length; i++) {
          expect(Math.abs(actual[key][i]! - expected[key][i]!), `${key} ${F.name}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[key][i]!)));
        }
      }
    }
    expect(() => native.batchNormBackward(new Float32Array(6), 2, 3, new Float32Array(3), new Float32Array(6), new Float32Array(6), new Float32Array(2), new Float32Array(6), new Float32Array(3), new Float32Array(3))).toThrow(/std/);
  });

  it('every other kernel matches the TypeScript backend', () => {
    const rng = new Rng(5);
    for (const F of [Float32Array, Float64Array]) {
      const tol = F === Float32Array ? 1e-6 : 1e-14;
      const rows = 37;
      const cols = 13;
      const x = random(rows * cols, rng, F);
      for (let i = 0; i < x.length; i++) x[i] *= 20; // exercises exp's range and both ReLU sides
      const bias = random(cols, rng, F);
      const labels = Int32Array.from({ length: rows }, () => rng.integer(cols));
      const check = (name: string, run: (b: Backend, out: FloatArray) => number | void, size: number) => {
        const outN = new F(size);
        const outT = new F(size);
        const rn = run(native, outN);
        const rt = run(ts, outT);
        for (let i = 0; i < size; i++) expect(Math.abs(outN[i] - outT[i]), `${name}[${i}]`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(outT[i])));
        if (typeof rn === 'number' && typeof rt === 'number') expect(Math.abs(rn - rt), name).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(rt)));
      };
      check('addBias', (b, out) => { out.set(x); b.addBias(out, rows, cols, bias, false); }, x.length);
      check('addBias+relu', (b, out) => { out.set(x); b.addBias(out, rows, cols, bias, true); }, x.length);
      check('colSums', (b, out) => b.colSums(x, rows, cols, out), cols);
      check('reluForward', (b, out) => b.reluForward(x, out, new Uint8Array(x.length), x.length), x.length);
      const mask = Uint8Array.from(x, (v) => (v > 0 ? 1 : 0));
      check('reluBackward', (b, out) => b.reluBackward(x, mask, out, x.length), x.length);
      check('sigmoidForward', (b, out) => b.sigmoidForward(x, out, x.length), x.length);
      const y = new F(x.length);
      ts.sigmoidForward(x, y, x.length);
      check('sigmoidBackward', (b, out) => b.sigmoidBackward(x, y, out, x.length), x.length);
      check('softmaxRows', (b, out) => b.softmaxRows(x, out, rows, cols), x.length);
      check('softmaxCrossEntropy', (b, out) => b.softmaxCrossEntropy(x, labels, out, rows, cols, 1e-7), x.length);
      const probs = new F(x.length);
      ts.softmaxRows(x, probs, rows, cols);
      check('softmaxCrossEntropyBackward', (b, out) => b.softmaxCrossEntropyBackward(probs, labels, out, rows, cols), x.length);
      check('axpby', (b, out) => { out.set(x); b.axpby(-0.3, y, 0.9, out, x.length); }, x.length);
      check('sumSquares', (b) => b.sumSquares(x, x.length), 0);
      check('mul', (b, out) => b.mul(x, y, out, x.length), x.length);
      const argN = new Int32Array(rows);
      const argT = new Int32Array(rows);
      native.argmaxRows(x, rows, cols, argN);
      ts.argmaxRows(x, rows, cols, argT);
      expect(Array.from(argN)).toEqual(Array.from(argT));
      const pixels = Uint8Array.from({ length: 50 * 8 }, () => rng.integer(256));
      const indices = Int32Array.from({ length: 700 }, () => rng.integer(50));
      check('gatherRows', (b, out) => b.gatherRows(pixels, 8, indices, 1 / 255, out), 700 * 8);
    }
  });

  it('misuse throws TypeError or RangeError with the shapes, never crashes', () => {
    const f32 = new Float32Array(6);
    const f64 = new Float64Array(6);
    expect(() => native.gemm(false, false, 2, 3, 4, 1, new Float32Array(7), new Float32Array(12), 0, f32)).toThrow(/gemm: A 2x4 needs 8 values, got 7/);
    expect(() => native.gemm(true, false, 2, 3, 4, 1, new Float32Array(8), new Float32Array(11), 0, f32)).toThrow(/B 4x3 needs 12 values, got 11/);
    expect(() => native.gemm(false, true, 2, 3, 4, 1, new Float32Array(8), new Float32Array(12), 0, new Float32Array(5))).toThrow(/C 2x3 needs 6 values, got 5/);
    expect(() => native.gemm(false, false, 2, 3, 4, 1, new Float32Array(8), new Float64Array(12), 0, f32)).toThrow(TypeError);
    expect(() => native.gemm(false, false, -1, 3, 4, 1, f32, f32, 0, f32)).toThrow(/m must be a non-negative integer/);
    expect(() => native.gemm(false, false, 1.5, 3, 4, 1, f32, f32, 0, f32)).toThrow(RangeError);
    expect(() => native.gemm(false, false, 1, 1, 1, 1, [1] as unknown as Float32Array, f32, 0, f32)).toThrow(/A must be a Float32Array or Float64Array/);
    expect(() => native.gemm(false, false, 2, 3, 2, 1, f32.subarray(0, 4), f32.subarray(0, 6), 0, f32)).toThrow(/C must not overlap/);
    expect(() => native.softmaxCrossEntropy(f64, new Int32Array([0, 3]), f64.slice(), 2, 3, 1e-7)).toThrow(/label 3 at row 1 is outside \[0, 3\)/);
    expect(() => native.softmaxCrossEntropy(f64, new Uint8Array(2) as unknown as Int32Array, f64.slice(), 2, 3, 1e-7)).toThrow(/labels must be an Int32Array/);
    expect(() => native.gatherRows(new Uint8Array(16), 8, new Int32Array([2]), 1, new Float32Array(8))).toThrow(/index 2 at position 0 is outside \[0, 2\)/);
    // out sharing memory with the indices (checked before any row is written) or with src is refused.
    const shared = new ArrayBuffer(64);
    const aliased = new Int32Array(shared, 0, 2).fill(1);
    expect(() => native.gatherRows(new Uint8Array(16), 8, aliased, 1, new Float32Array(shared, 0, 16))).toThrow(/gatherRows: out must not overlap src or indices/);
    const pixels = new Uint8Array(shared, 0, 64);
    expect(() => native.gatherRows(pixels, 8, new Int32Array([1]), 1, new Float32Array(shared, 0, 8))).toThrow(RangeError);
    expect(() => native.reluForward(f32, f32, new Uint8Array(3), 6)).toThrow(/mask needs 6 values, got 3/);
    expect(() => native.im2col(f32, new Float32Array(9), 1, 1, 2, 3, 3, 3, 1, 0)).toThrow('im2col: the 3x3 window does not fit a 2x3 image padded by 0');
    expect(() => native.im2col(f32, new Float32Array(5), 1, 1, 2, 3, 2, 2, 1, 0)).toThrow('im2col: col 2x4 needs 8 values, got 5');
    expect(() => native.maxPoolBackward(f32, new Int32Array([0, 9, 0, 0, 0, 0]), new Float32Array(24), 1, 1, 4, 6, 2, 2, 2, 0)).toThrow('maxPoolBackward: argmax[1] = 9 is outside the 2x2 window');
    expect(() => (native.addBias as unknown as (...a: unknown[]) => void)(f32, 2, 3)).toThrow(/expected 5 arguments/);
  });

  it('zero sizes work and NaN / Inf propagate as IEEE says; beta = 0 ignores NaN already in C', () => {
    const empty = new Float32Array(0);
    native.gemm(false, false, 0, 0, 0, 1, empty, empty, 0, empty);
    const c = new Float32Array([NaN, NaN, 7, 7]);
    native.gemm(false, false, 2, 2, 0, 1, empty, empty, 0, c); // k = 0: C = beta * C = 0
    expect(Array.from(c)).toEqual([0, 0, 0, 0]);
    const d = new Float64Array([NaN, 5]);
    native.gemm(false, false, 1, 2, 1, 1, new Float64Array([2]), new Float64Array([3, 4]), 0, d);
    expect(Array.from(d)).toEqual([6, 8]);
    const e = new Float64Array(2);
    native.gemm(false, false, 1, 2, 2, 1, new Float64Array([Infinity, 1]), new Float64Array([0, 1, 1, NaN]), 0, e);
    expect(Number.isNaN(e[0])).toBe(true); // Inf * 0 = NaN
    expect(Number.isNaN(e[1])).toBe(true); // NaN propagates
    const y = new Float32Array(3);
    native.softmaxRows(new Float32Array([1, NaN, 2]), y, 1, 3);
    expect(Array.from(y).every(Number.isNaN)).toBe(true);
    const mask = new Uint8Array(2);
    const r = new Float32Array(2);
    native.reluForward(new Float32Array([NaN, -Infinity]), r, mask, 2);
    expect(Number.isNaN(r[0])).toBe(true);
    expect(r[1]).toBe(0);
    const s = new Float64Array(2);
    native.sigmoidForward(new Float64Array([-Infinity, Infinity]), s, 2);
    expect(Array.from(s)).toEqual([0, 1]);
    native.colSums(new Float64Array(0), 0, 3, new Float64Array(3));
  });

  it('sparseMatmul and sparseMatmulTransposed match the TypeScript backend on random encodings, widths and batches, on 1 and all threads', () => {
    const rng = new Rng(4242);
    const threads = nativeInfo().threads;
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
      for (const c of cases) checkSparseCase(native, c, rng, [1, threads]);
      // Large batches of MNIST-like images: ~150 nonzeros x 2001 rows x 50 columns is 2.4e8 "flops x 8", above
      // the 3e7 threshold, so with 2+ threads the forward rows split (unevenly: 2001 rows). n = 7 takes the
      // narrow scalar kernel on the same split.
      const mnistLike = randomSparse(500, 784, 0.19, rng);
      const big = (rows: number, n: number): SparseCase => ({ set: mnistLike, indices: Int32Array.from({ length: rows }, () => rng.integer(500)), scale: 1 / 255, n });
      checkSparseCase(native, big(2001, 50), rng, [1, threads]);
      checkSparseCase(native, big(3001, 7), rng, [1, threads]);
    } finally {
      setNativeThreads(threads);
    }
    expect(nativeInfo().threads).toBe(threads);
  });

  it('the sparse and GEMM kernels of the other instruction sets and the portable ones (forced by BACKPROP_ISA in a child process) match a float64 loop', () => {
    const hostIsa = nativeInfo().isa;
    // Which ISA each request resolves to depends on the CPU: never higher than asked, never higher than the host's.
    const order = ['sse2', 'avx2', 'avx512'];
    for (const isa of ['avx2', 'sse2', 'portable']) {
      const child = spawnSync(process.execPath, ['-e', ISA_CHILD], { env: { ...process.env, BACKPROP_ISA: isa, BPW_ADDON: nativeAddonPath() }, encoding: 'utf8', timeout: 60_000 });
      expect(child.status, `BACKPROP_ISA=${isa}: ${child.stderr}`).toBe(0);
      const report = JSON.parse(child.stdout) as { isa: string; cases: number; gemmCases: number; worst: string };
      // The portable kernels (plain C++ loops, what a compiler without vector extensions builds) run anywhere.
      if (isa === 'portable') expect(report.isa).toBe('portable');
      else if (order.includes(hostIsa)) expect(order.indexOf(report.isa)).toBe(Math.min(order.indexOf(isa), order.indexOf(hostIsa)));
      expect(report.cases).toBe(2 * 18 * 2);
      expect(report.gemmCases).toBe(2 * 9 * 4);
      expect(Number(report.worst), `BACKPROP_ISA=${isa} (${report.isa}): worst error / tolerance`).toBeLessThanOrEqual(1);
    }
  });

  it('the direct convolution kernels of the other instruction sets and the portable ones (forced by BACKPROP_ISA in a child process) match the TypeScript backend', () => {
    // Filter counts 20, 40 and 70 take the 2-, 3- and 5-vector (generic) loops of conv_isa.inc on AVX-512 floats.
    const cases: Array<{ window: WindowArgs; filters: number }> = [
      { window: [3, 1, 12, 12, 5, 5, 1, 0], filters: 20 },
      { window: [2, 3, 9, 8, 3, 3, 2, 1], filters: 40 },
      { window: [2, 2, 7, 7, 3, 3, 1, 2], filters: 70 },
    ];
    const reference = createTsBackend();
    for (const isa of ['avx2', 'sse2', 'portable']) {
      const child = spawnSync(process.execPath, ['-e', CONV_ISA_CHILD, JSON.stringify(cases)], { env: { ...process.env, BACKPROP_ISA: isa, BPW_ADDON: nativeAddonPath() }, encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 26 });
      expect(child.status, `BACKPROP_ISA=${isa}: ${child.stderr}`).toBe(0);
      const report = JSON.parse(child.stdout) as { isa: string; runs: Array<{ f64: boolean; x: number[]; w: number[]; bias: number[]; dout: number[]; out: number[]; dw: number[]; db: number[]; dx: number[] }> };
      if (isa === 'portable') expect(report.isa).toBe('portable');
      expect(report.runs.length).toBe(cases.length * 2);
      report.runs.forEach((run, i) => {
        const { window, filters } = cases[i >> 1];
        const F = run.f64 ? Float64Array : Float32Array;
        const [x, w, bias, dout] = [F.from(run.x), F.from(run.w), F.from(run.bias), F.from(run.dout)];
        const [out, dw, db, dx] = [new F(run.out.length), new F(run.dw.length), new F(run.db.length), new F(run.dx.length)];
        reference.convForward(x, w, bias, out, filters, ...window);
        reference.convBackwardFilters(x, dout, dw, db, filters, ...window);
        reference.convBackwardInput(dout, w, dx, filters, ...window);
        // Values below 1 summed over at most a few hundred terms: float32 sums in another order agree to 1e-4.
        const tolerance = run.f64 ? 1e-12 : 1e-4;
        for (const [name, got, want] of [['out', run.out, out], ['dw', run.dw, dw], ['db', run.db, db], ['dx', run.dx, dx]] as const) {
          got.forEach((v, j) => expect(Math.abs(v - want[j]), `${isa} (${report.isa}) ${name} ${JSON.stringify(window)} ${F.name} [${j}]`).toBeLessThan(tolerance * Math.max(1, Math.abs(want[j]))));
        }
      });
    }
  });

  it('sparse products: bad indices, encodings, shapes, dtypes, overlap and argument kinds throw before writing, never crash', () => {
    const rowStart = new Int32Array([0, 2, 2, 3]); // image 1 has no pixels
    const columns = new Uint16Array([0, 3, 1]);
    const values = new Uint8Array([10, 20, 30]);
    type Args = [Int32Array, Uint16Array, Uint8Array, number, Int32Array, number, FloatArray, number, FloatArray];
    const cast = <T,>(v: unknown): T => v as T;
    for (const name of ['sparseMatmul', 'sparseMatmulTransposed'] as const) {
      const input = name === 'sparseMatmul' ? 'W' : 'dout';
      // rowLength 4, n 2, two batch rows: W and dW are 4 x 2 (8 values), out and dout 2 x 2 (4 values).
      const inLength = name === 'sparseMatmul' ? 8 : 4;
      const outLength = name === 'sparseMatmul' ? 4 : 8;
      const args = (change: Partial<Record<number, unknown>>): Args => {
        const a: unknown[] = [rowStart, columns, values, 4, new Int32Array([0, 2]), 1, new Float32Array(inLength), 2, new Float32Array(outLength).fill(-3)];
        for (const [k, v] of Object.entries(change)) a[Number(k)] = v;
        return a as Args;
      };
      const shared = new Float32Array(12);
      // out sharing memory with the encoding or the indices, which were checked before the kernel would write.
      const aliasIndices = new ArrayBuffer(outLength * 4);
      new Int32Array(aliasIndices, 0, 2).set([0, 2]);
      const aliasColumns = new ArrayBuffer(outLength * 4);
      new Uint16Array(aliasColumns, 0, 3).set(columns);
      const cases: Array<[string, Args, ErrorConstructor, RegExp]> = [
        ['out aliasing indices', args({ 4: new Int32Array(aliasIndices, 0, 2), 8: new Float32Array(aliasIndices) }), RangeError, /out must not overlap rowStart, columns, values or indices/],
        ['out aliasing columns', args({ 1: new Uint16Array(aliasColumns, 0, 3), 8: new Float32Array(aliasColumns) }), RangeError, /out must not overlap rowStart/],
        ['index too large', args({ 4: new Int32Array([0, 3]) }), RangeError, /index 3 at position 1 is outside \[0, 3\)/],
        ['negative index', args({ 4: new Int32Array([-1, 0]) }), RangeError, /index -1 at position 0 is outside \[0, 3\)/],
        ['column >= rowLength', args({ 1: new Uint16Array([0, 4, 1]) }), RangeError, /image 0 has pixel column 4 outside rowLength 4/],
        ['column far out', args({ 1: new Uint16Array([0, 65535, 1]) }), RangeError, /pixel column 65535 outside rowLength 4/],
        ['rowStart past the pixels', args({ 0: new Int32Array([0, 2, 2, 4]) }), RangeError, /image 2 spans pixels \[2, 4\) outside the 3 stored/],
        ['rowStart decreasing', args({ 0: new Int32Array([0, 3, 2, 3]), 4: new Int32Array([1]) }), RangeError, /image 1 spans pixels \[3, 2\)/],
        ['negative rowStart', args({ 0: new Int32Array([-2, 2, 2, 3]) }), RangeError, /image 0 spans pixels \[-2, 2\)/],
        ['huge rowStart', args({ 0: new Int32Array([0, 2, 2, 0x7fffffff]) }), RangeError, /image 2 spans pixels \[2, 2147483647\)/],
        ['empty rowStart', args({ 0: new Int32Array(0), 4: new Int32Array(0) }), RangeError, /rowStart needs at least 1 value/],
        ['values shorter than columns', args({ 2: new Uint8Array(2) }), RangeError, /values has 2 entries but columns has 3/],
        ['dtype mismatch', args({ 6: new Float64Array(inLength) }), TypeError, /all arrays must share one dtype/],
        ['short input', args({ 6: new Float32Array(inLength - 1) }), RangeError, new RegExp(`${input} ${name === 'sparseMatmul' ? '4x2' : '2x2'} needs ${inLength} values, got ${inLength - 1}`)],
        ['short out', args({ 8: new Float32Array(outLength - 1).fill(-3) }), RangeError, new RegExp(`out ${name === 'sparseMatmul' ? '2x2' : '4x2'} needs ${outLength} values, got ${outLength - 1}`)],
        ['out overlapping the input', args({ 6: shared.subarray(0, inLength), 8: shared.subarray(inLength - 1, inLength - 1 + outLength) }), RangeError, /out must not overlap/],
        ['rowStart not Int32Array', args({ 0: Uint32Array.from(rowStart) }), TypeError, /rowStart must be an Int32Array/],
        ['columns not Uint16Array', args({ 1: Int16Array.from(columns) }), TypeError, /columns must be a Uint16Array/],
        ['values not Uint8Array', args({ 2: Uint8ClampedArray.from(values) }), TypeError, /values must be a Uint8Array/],
        ['indices a plain array', args({ 4: [0, 2] }), TypeError, /indices must be an Int32Array/],
        ['indices not Int32Array', args({ 4: new Float64Array([0, 2]) }), TypeError, /indices must be an Int32Array/],
        ['input a plain array', args({ 6: Array.from({ length: inLength }, () => 0) }), TypeError, new RegExp(`${input} must be a Float32Array or Float64Array`)],
        ['out an Int32Array', args({ 8: new Int32Array(outLength) }), TypeError, /out must be a Float32Array or Float64Array/],
        ['scale not a number', args({ 5: '1' }), TypeError, /scale must be a number/],
        ['n negative', args({ 7: -2 }), RangeError, /n must be a non-negative integer/],
        ['rowLength fractional', args({ 3: 3.5 }), RangeError, /rowLength must be a non-negative integer/],
        ['rowLength NaN', args({ 3: NaN }), RangeError, /rowLength must be a non-negative integer/],
      ];
      for (const [what, a, type, message] of cases) {
        const out = a[8];
        const before = out instanceof Float32Array ? Array.from(out) : [];
        const call = () => native[name](...a);
        expect(call, `${name}: ${what}`).toThrow(type);
        expect(call, `${name}: ${what}`).toThrow(new RegExp(`${name}: .*${message.source}`));
        if (out instanceof Float32Array) expect(Array.from(out), `${name}: ${what} wrote out`).toEqual(before);
      }
      expect(() => cast<(...a: unknown[]) => void>(native[name])(rowStart, columns, values, 4, new Int32Array(0), 1, new Float32Array(8))).toThrow(new RegExp(`${name}: expected 9 arguments, got 7`));
    }
  });

  it('prefetchSparseRows is only a hint: valid calls return, bad indices and argument kinds throw', () => {
    const rowStart = new Int32Array([0, 2, 2, 3]);
    const columns = new Uint16Array([0, 3, 1]);
    const values = new Uint8Array([10, 20, 30]);
    expect(native.prefetchSparseRows(rowStart, columns, values, new Int32Array([2, 1, 0]))).toBeUndefined();
    expect(native.prefetchSparseRows(rowStart, columns, values, new Int32Array(0))).toBeUndefined();
    // A damaged row range is clamped to the stored pixels: prefetching never reads outside them.
    expect(native.prefetchSparseRows(new Int32Array([0, 99, -5, 3]), columns, values, new Int32Array([0, 1]))).toBeUndefined();
    expect(() => native.prefetchSparseRows(rowStart, columns, values, new Int32Array([3]))).toThrow(/prefetchSparseRows: index 3 at position 0 is outside \[0, 3\)/);
    expect(() => native.prefetchSparseRows(rowStart, columns, values, new Int32Array([-1]))).toThrow(RangeError);
    const cast = (f: unknown) => f as (...a: unknown[]) => void;
    expect(() => cast(native.prefetchSparseRows)(rowStart, columns, values, [0])).toThrow(TypeError);
    expect(() => cast(native.prefetchSparseRows)(rowStart, columns, values)).toThrow(/expected 4 arguments/);
  });

  it('sparse products of zero sizes and empty images write exact zeros (stale NaN replaced)', () => {
    const rowStart = new Int32Array([0, 2, 2, 3]); // image 1 has no pixels
    const columns = new Uint16Array([0, 3, 1]);
    const values = new Uint8Array([10, 20, 30]);
    for (const F of [Float32Array, Float64Array]) {
      for (const n of [1, 5, 16, 40]) {
        // Rows of the empty image are all zero; the others are sums of pixels x 0.5 x W (1..4n).
        const w = new F(4 * n);
        for (let i = 0; i < w.length; i++) w[i] = i + 1;
        const out = new F(3 * n).fill(NaN);
        native.sparseMatmul(rowStart, columns, values, 4, new Int32Array([1, 0, 1]), 0.5, w, n, out);
        const expected = new F(3 * n);
        for (let c = 0; c < n; c++) expected[n + c] = 5 * w[c] + 10 * w[3 * n + c];
        expect(out).toEqual(expected);
        // dW of a batch of empty images (and of no rows at all) is all zeros.
        const dW = new F(4 * n).fill(NaN);
        native.sparseMatmulTransposed(rowStart, columns, values, 4, new Int32Array([1, 1]), 1, new F(2 * n).fill(NaN), n, dW);
        expect(dW).toEqual(new F(4 * n));
        dW.fill(NaN);
        native.sparseMatmulTransposed(rowStart, columns, values, 4, new Int32Array(0), 1, new F(0), n, dW);
        expect(dW).toEqual(new F(4 * n));
      }
      // No rows, no columns, no pixels per row, no images.
      native.sparseMatmul(rowStart, columns, values, 4, new Int32Array(0), 1, new F(8), 2, new F(0));
      native.sparseMatmul(rowStart, columns, values, 4, new Int32Array([0, 2]), 1, new F(0), 0, new F(0));
      native.sparseMatmulTransposed(rowStart, columns, values, 4, new Int32Array([0, 2]), 1, new F(0), 0, new F(0));
      const none = new F(6).fill(NaN);
      native.sparseMatmul(new Int32Array([0, 0]), new Uint16Array(0), new Uint8Array(0), 0, new Int32Array([0, 0, 0]), 1, new F(0), 2, none);
      expect(none).toEqual(new F(6));
      native.sparseMatmul(new Int32Array([0]), new Uint16Array(0), new Uint8Array(0), 0, new Int32Array(0), 1, new F(0), 3, new F(0));
      native.sparseMatmulTransposed(new Int32Array([0]), new Uint16Array(0), new Uint8Array(0), 0, new Int32Array(0), 1, new F(0), 3, new F(0));
    }
  });

  it('sparse products: NaN and Inf in W or dout reach exactly the outputs whose pixels use them', () => {
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
        native.sparseMatmul(rowStart, columns, values, 6, indices, 1 / 255, w, n, out);
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
        native.sparseMatmulTransposed(rowStart, columns, values, 6, indices, 1 / 255, dout, n, dW);
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

  it('the vectorised exp keeps softmaxRows and sigmoidForward within a few ulps of Math.exp over the whole range', () => {
    // Reference: the same formulas in float64 with Math.exp (fdlibm, < 1 ulp). Measured on this engine
    // (2e6 points; AVX-512 host, the exp is ISA-independent C++): exp alone 2.2e-16 (float64) and 1.0e-7
    // (float32, vs the float64 value); softmax of [v, 0] 4.3e-16 / 1.4e-7; sigmoid 3.3e-16 / 1.8e-7.
    // Bounds: exp alone 2 ulp = 4.5e-16 (native ~1 ulp as documented + Math.exp < 1 ulp) and 2e-7 in
    // float32 (~1.7 float32 ulp: the documented 1.7e-7 plus margin); softmax and sigmoid, which add a sum, a
    // division and (float32) a final rounding, 1e-15 and 4e-7. Subnormal results are compared absolutely
    // (at most one unit of the subnormal spacing: 2^-1074, 2^-149).
    const rng = new Rng(99);
    const spec = [
      { F: Float64Array, lo: -740, hi: 709, expOnly: 40, expBound: 4.5e-16, bound: 1e-15, minNormal: 2 ** -1022, subnormalUlp: 2 ** -1074 },
      { F: Float32Array, lo: -100, hi: 88, expOnly: 18, expBound: 2e-7, bound: 4e-7, minNormal: 2 ** -126, subnormalUlp: 2 ** -149 },
    ] as const;
    for (const { F, lo, hi, expOnly, expBound, bound, minNormal, subnormalUlp } of spec) {
      const points: number[] = [lo, hi, 0, -0, 1e-300, -1e-300, 0.5, -0.5, 1, -1, -expOnly, expOnly, -708.4, -87.3];
      for (let i = 0; i <= 100_000; i++) points.push(lo + ((hi - lo) * i) / 100_000);
      for (let i = 0; i < 30_000; i++) points.push(lo + (hi - lo) * rng.uniform());
      const v = F.from(points); // rounded to the dtype: the references start from the same inputs
      const rows = v.length;
      // Collects failures (an expect per point would dominate the run time); the first few are reported.
      const failures: string[] = [];
      const compare = (what: () => string, actual: number, want: number, limit: number): void => {
        const ok = Math.abs(want) >= minNormal ? Math.abs(actual - want) <= limit * Math.abs(want) : Math.abs(actual - want) <= subnormalUlp;
        if (!ok) failures.push(`${what()}: ${actual} vs ${want} (relative ${Math.abs(actual - want) / Math.abs(want)})`);
      };
      const x = new F(2 * rows);
      for (let i = 0; i < rows; i++) x[2 * i] = v[i];
      const y = new F(2 * rows);
      native.softmaxRows(x, y, rows, 2);
      let checkedExp = 0;
      for (let i = 0; i < rows; i++) {
        const m = Math.max(v[i], 0);
        const e0 = Math.exp(v[i] - m);
        const e1 = Math.exp(-m);
        compare(() => `softmax([${v[i]}, 0])[0]`, y[2 * i], e0 / (e0 + e1), bound);
        compare(() => `softmax([${v[i]}, 0])[1]`, y[2 * i + 1], e1 / (e0 + e1), bound);
        // Far from 0 the larger entry is exp(0) / (1 + tiny) = 1 exactly and the other is exp(-|v|) itself.
        if (Math.abs(v[i]) >= expOnly) {
          const [big, small] = v[i] > 0 ? [y[2 * i], y[2 * i + 1]] : [y[2 * i + 1], y[2 * i]];
          if (big !== 1) failures.push(`softmax([${v[i]}, 0]): the larger probability is ${big}, not 1`);
          compare(() => `exp(${-Math.abs(v[i])})`, small, Math.exp(-Math.abs(v[i])), expBound);
          checkedExp++;
        }
      }
      expect(checkedExp).toBeGreaterThan(rows / 2);
      const s = new F(rows);
      native.sigmoidForward(v, s, rows);
      for (let i = 0; i < rows; i++) {
        const want = v[i] >= 0 ? 1 / (1 + Math.exp(-v[i])) : Math.exp(v[i]) / (1 + Math.exp(v[i]));
        compare(() => `sigmoid(${v[i]})`, s[i], want, bound);
      }
      expect(failures.slice(0, 5), `${F.name}: ${failures.length} values out of bounds`).toEqual([]);
      // softmaxCrossEntropy shares the softmax: the same probabilities, and the mean -log(p[label] + delta).
      const labels = Int32Array.from({ length: rows }, (_, i) => i % 2);
      const yCe = new F(2 * rows);
      const loss = native.softmaxCrossEntropy(x, labels, yCe, rows, 2, 1e-7);
      expect(firstDifference(yCe, y)).toBe(-1);
      let total = 0;
      for (let i = 0; i < rows; i++) total += Math.log(y[2 * i + labels[i]] + 1e-7);
      expect(Math.abs(loss - -total / rows)).toBeLessThanOrEqual(1e-12 * Math.abs(total / rows));
      // In place (y aliasing x) gives the same values, across sigmoid's 256-value blocks too.
      const inPlace = F.from(v);
      native.sigmoidForward(inPlace, inPlace, rows);
      expect(firstDifference(inPlace, s)).toBe(-1);
      const xInPlace = F.from(x);
      native.softmaxRows(xInPlace, xInPlace, rows, 2);
      expect(firstDifference(xInPlace, y)).toBe(-1);
    }
  });

  it('sigmoid and softmax of Inf, NaN and huge inputs are what IEEE arithmetic gives', () => {
    for (const F of [Float32Array, Float64Array]) {
      const huge = F === Float32Array ? 3e38 : 1e300;
      const s = new F(9);
      native.sigmoidForward(F.from([-Infinity, Infinity, NaN, -0, 0, huge, -huge, 1e-30, -1e-30]), s, 9);
      expect(Array.from(s.subarray(0, 2))).toEqual([0, 1]);
      expect(Number.isNaN(s[2])).toBe(true);
      expect(Array.from(s.subarray(3))).toEqual([0.5, 0.5, 1, 0, 0.5, 0.5]);
      const rows = [
        [NaN, 1, 2],
        [1, 2, NaN],
        [-Infinity, 0, -Infinity],
        [Infinity, 0, 1],
        [-Infinity, -Infinity, -Infinity],
        [huge, 0, -huge],
        [-huge, 0, 0],
        [5, 5, 5],
      ];
      const x = F.from(rows.flat());
      const y = new F(x.length);
      native.softmaxRows(x, y, rows.length, 3);
      const expected = new F(x.length);
      ts.softmaxRows(x, expected, rows.length, 3);
      const nan = [NaN, NaN, NaN];
      const third = Math.fround(1 / 3);
      const want = [nan, nan, [0, 1, 0], nan, nan, [1, 0, 0], [0, 0.5, 0.5], F === Float32Array ? [third, third, third] : [1 / 3, 1 / 3, 1 / 3]];
      for (let r = 0; r < rows.length; r++) {
        for (let c = 0; c < 3; c++) {
          expect(y[r * 3 + c], `${F.name} softmax row ${r}`).toBe(want[r][c]); // toBe uses Object.is: NaN equals NaN
          expect(y[r * 3 + c], `${F.name} softmax row ${r} vs TypeScript`).toBe(expected[r * 3 + c]);
        }
      }
    }
  });

  it('reluBackward equals the TypeScript backend bit for bit, with zeros, -0, NaN, Inf and any mask byte', () => {
    const rng = new Rng(21);
    for (const F of [Float32Array, Float64Array]) {
      const n = 1031; // odd, past any vector width
      const special = [0, -0, NaN, Infinity, -Infinity, 1e-310, -5e-324, 1.5e-45, -1];
      const dout = new F(n);
      for (let i = 0; i < n; i++) dout[i] = rng.integer(3) === 0 ? special[rng.integer(special.length)]! : rng.normal();
      // Masks hold 0/1 from reluForward; any nonzero byte passes dout.
      const mask = Uint8Array.from({ length: n }, () => (rng.integer(2) === 0 ? 0 : [1, 1, 1, 2, 128, 255][rng.integer(6)]!));
      const dxN = new F(n).fill(7);
      const dxT = new F(n).fill(7);
      native.reluBackward(dout, mask, dxN, n);
      ts.reluBackward(dout, mask, dxT, n);
      let checked = 0;
      for (let i = 0; i < n; i++) {
        expect(Object.is(dxN[i], dxT[i]), `${F.name} [${i}] dout ${dout[i]} mask ${mask[i]}: ${dxN[i]} vs ${dxT[i]}`).toBe(true);
        // Blocked entries are +0 even for dout = NaN, -0 or -Inf; passed ones keep dout's sign of zero.
        expect(Object.is(dxN[i], mask[i] ? dout[i] : 0)).toBe(true);
        checked++;
      }
      expect(checked).toBe(n);
      // In place (dx aliasing dout), and only the first n values.
      const inPlace = F.from(dout);
      inPlace[n - 1] = 3;
      native.reluBackward(inPlace, mask, inPlace, n - 1);
      for (let i = 0; i < n - 1; i++) expect(Object.is(inPlace[i], dxT[i])).toBe(true);
      expect(inPlace[n - 1]).toBe(3);
    }
  });
});
