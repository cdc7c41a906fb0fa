import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Backend, FloatArray } from '../backend';
import { Rng } from '../rng';
import { loadNativeBackend, nativeAddonPath, nativeInfo, setNativeThreads } from './native-backend';
import { createTsBackend } from './ts-backend';

// The addon must be tested wherever it is supposed to exist (CI builds it; so does every npm install that
// has a compiler). Only a machine without the built file may skip, and it says why.
const required = Boolean(process.env.CI) || existsSync(nativeAddonPath());
if (!required) console.warn(`native backend tests skipped: ${nativeAddonPath()} was not built`);

const ts = createTsBackend();
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

function random(n: number, rng: Rng, F: Ctor): FloatArray {
  const a = new F(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() * 2 - 1;
  return a;
}

describe.runIf(required)('native backend', () => {
  const native: Backend = loadNativeBackend();

  it('loads with an ISA chosen at run time and a configurable thread count', () => {
    const info = nativeInfo();
    expect(['avx512', 'avx2', 'sse2', 'generic']).toContain(info.isa);
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
    for (const t of [1, threads]) {
      setNativeThreads(t);
      for (const [m, n, k] of shapes) {
        const tA = rng.integer(2) === 1;
        const tB = rng.integer(2) === 1;
        const [alpha, beta] = [[1, 0], [0.5, 1], [-1.5, 0.25], [2, -1]][rng.integer(4)];
        for (const F of [Float32Array, Float64Array]) {
          const a = random(m * k, rng, F);
          const b = random(k * n, rng, F);
          const c = random(m * n, rng, F);
          // The reference runs in float64 on the same inputs, whatever the dtype under test.
          const expected = Float64Array.from(c);
          ts.gemm(tA, tB, m, n, k, alpha, Float64Array.from(a), Float64Array.from(b), beta, expected);
          native.gemm(tA, tB, m, n, k, alpha, a, b, beta, c);
          // A k-term dot product of values in [-1, 1] is off by at most ~k * eps * |alpha| (+ rounding of
          // beta * C). float32 (eps 1.2e-7, results stored in float32): 1e-5 relative to that magnitude;
          // float64: 1e-12.
          const tolerance = (F === Float32Array ? 1e-5 : 1e-12) * (k * Math.abs(alpha) + Math.abs(beta) + 1);
          for (let i = 0; i < m * n; i++) expect(Math.abs(c[i] - expected[i]), `${m}x${n}x${k} ${tA} ${tB}`).toBeLessThanOrEqual(tolerance);
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
    expect(() => native.reluForward(f32, f32, new Uint8Array(3), 6)).toThrow(/mask needs 6 values, got 3/);
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
});
