import { expect, it } from 'vitest';
import type { Backend, FloatArray } from '../../src-engine/backend';
import { Rng } from '../../src-engine/rng';
import { createTsBackend } from '../../src-engine/backends/ts-backend';

/**
 * The property tests of a compiled backend against the TypeScript reference (the oracle), registered as tests
 * for the native addon (native-backend.test.ts) and for its WebAssembly build (wasm/wasm-backend.test.ts),
 * which run the same C++ kernels. Products are checked on each of `threads.counts` kernel threads.
 */
export interface KernelThreads {
  readonly counts: readonly number[];
  set(threads: number): void;
}

const ts = createTsBackend();
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
function random(n: number, rng: Rng, F: Ctor): FloatArray {
  const a = new F(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() * 2 - 1;
  return a;
}

function firstDifference(a: FloatArray, b: FloatArray): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

export function kernelProperties(get: () => Backend, threads: KernelThreads): void {
  it('gemm matches the TypeScript backend on random shapes, every transpose, alpha and beta, on each of its thread counts', () => {
    const kernels = get();
    const rng = new Rng(2024);
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
        for (const t of threads.counts) {
          threads.set(t);
          const c = c0.slice();
          kernels.gemm(tA, tB, m, n, k, alpha, a, b, beta, c);
          let worst = 0;
          for (let i = 0; i < m * n; i++) {
            const error = Math.abs(c[i] - expected[i]);
            if (!(error <= worst)) worst = Number.isNaN(error) ? Infinity : error;
          }
          expect(worst, `${m}x${n}x${k} ${tA} ${tB} ${F.name} on ${t} thread(s)`).toBeLessThanOrEqual(tolerance);
        }
      }
    }
    threads.set(threads.counts[threads.counts.length - 1]!);
  });

  it('the optimizer rules match the TypeScript backend over several steps, and misuse throws', () => {
    const kernels = get();
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
          kernels.optimizerStep(rule, wN, g, state[2]!, state[3]!, n, 0.01, p1, p2, 1e-7);
        }
        for (let i = 0; i < n; i++) expect(Math.abs(wN[i]! - w[i]!), `${rule} ${F.name}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w[i]!)));
      }
    }
    expect(() => kernels.optimizerStep('adam', new Float32Array(4), new Float32Array(4), new Float32Array(4), new Float32Array(2), 4, 0.1, 0.9, 0.999, 1e-7)).toThrow(/s2/);
    expect(() => kernels.optimizerStep('momentum', new Float32Array(4), new Float64Array(4), new Float32Array(4), new Float32Array(4), 4, 0.1, 0.9, 0, 1e-7)).toThrow(TypeError);
  });

  it('the optimizer rules over more than 256k values (split across threads) match the TypeScript backend on each thread count', () => {
    const kernels = get();
    const rng = new Rng(19);
    const n = 300_001;
    for (const F of [Float32Array, Float64Array]) {
      // The accumulated squares (AdaGrad's and RMSprop's s1, Adam's s2) at least 0.1: g / sqrt(s) stays of order 1.
      const [w0, g, m0, v0] = [random(n, rng, F), random(n, rng, F), random(n, rng, F).map((v) => 0.1 + Math.abs(v)), random(n, rng, F).map((v) => 0.1 + Math.abs(v))];
      // One step from values of order 1: float32 rounds each operation (sqrt and division included): 1e-5 relative; float64: 1e-12.
      const tol = F === Float32Array ? 1e-5 : 1e-12;
      for (const [rule, p1, p2] of [['momentum', 0.9, 0], ['nesterov', 0.9, 0], ['adagrad', 0, 0], ['rmsprop', 0.99, 0], ['adam', 0.9, 0.999]] as const) {
        const expected = [w0.slice(), m0.slice(), v0.slice()];
        ts.optimizerStep(rule, expected[0]!, g, expected[1]!, expected[2]!, n, 0.01, p1, p2, 1e-7);
        for (const t of threads.counts) {
          threads.set(t);
          const actual = [w0.slice(), m0.slice(), v0.slice()];
          kernels.optimizerStep(rule, actual[0]!, g, actual[1]!, actual[2]!, n, 0.01, p1, p2, 1e-7);
          actual.forEach((a, j) => {
            const e = expected[j]!;
            for (let i = 0; i < n; i++) {
              if (!(Math.abs(a[i]! - e[i]!) <= tol * Math.max(1, Math.abs(e[i]!)))) expect(a[i], `${rule} ${F.name} array ${j} [${i}] on ${t} thread(s)`).toBe(e[i]);
            }
          });
        }
      }
    }
    threads.set(threads.counts[threads.counts.length - 1]!);
  });

  it('batch normalisation forward (training and inference) and backward match the TypeScript backend', () => {
    const kernels = get();
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
      const actual = run(kernels);
      for (const key of Object.keys(expected) as Array<keyof typeof expected>) {
        for (let i = 0; i < expected[key].length; i++) {
          expect(Math.abs(actual[key][i]! - expected[key][i]!), `${key} ${F.name}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[key][i]!)));
        }
      }
    }
    expect(() => kernels.batchNormBackward(new Float32Array(6), 2, 3, new Float32Array(3), new Float32Array(6), new Float32Array(6), new Float32Array(2), new Float32Array(6), new Float32Array(3), new Float32Array(3))).toThrow(/std/);
  });

  it('every other kernel matches the TypeScript backend', () => {
    const kernels = get();
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
        const rn = run(kernels, outN);
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
      kernels.argmaxRows(x, rows, cols, argN);
      ts.argmaxRows(x, rows, cols, argT);
      expect(Array.from(argN)).toEqual(Array.from(argT));
      const pixels = Uint8Array.from({ length: 50 * 8 }, () => rng.integer(256));
      const indices = Int32Array.from({ length: 700 }, () => rng.integer(50));
      check('gatherRows', (b, out) => b.gatherRows(pixels, 8, indices, 1 / 255, out), 700 * 8);
    }
  });

  it('zero sizes work and NaN / Inf propagate as IEEE says; beta = 0 ignores NaN already in C', () => {
    const kernels = get();
    const empty = new Float32Array(0);
    kernels.gemm(false, false, 0, 0, 0, 1, empty, empty, 0, empty);
    const c = new Float32Array([NaN, NaN, 7, 7]);
    kernels.gemm(false, false, 2, 2, 0, 1, empty, empty, 0, c); // k = 0: C = beta * C = 0
    expect(Array.from(c)).toEqual([0, 0, 0, 0]);
    const d = new Float64Array([NaN, 5]);
    kernels.gemm(false, false, 1, 2, 1, 1, new Float64Array([2]), new Float64Array([3, 4]), 0, d);
    expect(Array.from(d)).toEqual([6, 8]);
    const e = new Float64Array(2);
    kernels.gemm(false, false, 1, 2, 2, 1, new Float64Array([Infinity, 1]), new Float64Array([0, 1, 1, NaN]), 0, e);
    expect(Number.isNaN(e[0])).toBe(true); // Inf * 0 = NaN
    expect(Number.isNaN(e[1])).toBe(true); // NaN propagates
    const y = new Float32Array(3);
    kernels.softmaxRows(new Float32Array([1, NaN, 2]), y, 1, 3);
    expect(Array.from(y).every(Number.isNaN)).toBe(true);
    const mask = new Uint8Array(2);
    const r = new Float32Array(2);
    kernels.reluForward(new Float32Array([NaN, -Infinity]), r, mask, 2);
    expect(Number.isNaN(r[0])).toBe(true);
    expect(r[1]).toBe(0);
    const s = new Float64Array(2);
    kernels.sigmoidForward(new Float64Array([-Infinity, Infinity]), s, 2);
    expect(Array.from(s)).toEqual([0, 1]);
    kernels.colSums(new Float64Array(0), 0, 3, new Float64Array(3));
  });

  it('the vectorised exp keeps softmaxRows and sigmoidForward within a few ulps of Math.exp over the whole range', () => {
    const kernels = get();
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
      kernels.softmaxRows(x, y, rows, 2);
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
      kernels.sigmoidForward(v, s, rows);
      for (let i = 0; i < rows; i++) {
        const want = v[i] >= 0 ? 1 / (1 + Math.exp(-v[i])) : Math.exp(v[i]) / (1 + Math.exp(v[i]));
        compare(() => `sigmoid(${v[i]})`, s[i], want, bound);
      }
      expect(failures.slice(0, 5), `${F.name}: ${failures.length} values out of bounds`).toEqual([]);
      // softmaxCrossEntropy shares the softmax: the same probabilities, and the mean -log(p[label] + delta).
      const labels = Int32Array.from({ length: rows }, (_, i) => i % 2);
      const yCe = new F(2 * rows);
      const loss = kernels.softmaxCrossEntropy(x, labels, yCe, rows, 2, 1e-7);
      expect(firstDifference(yCe, y)).toBe(-1);
      let total = 0;
      for (let i = 0; i < rows; i++) total += Math.log(y[2 * i + labels[i]] + 1e-7);
      expect(Math.abs(loss - -total / rows)).toBeLessThanOrEqual(1e-12 * Math.abs(total / rows));
      // In place (y aliasing x) gives the same values, across sigmoid's 256-value blocks too.
      const inPlace = F.from(v);
      kernels.sigmoidForward(inPlace, inPlace, rows);
      expect(firstDifference(inPlace, s)).toBe(-1);
      const xInPlace = F.from(x);
      kernels.softmaxRows(xInPlace, xInPlace, rows, 2);
      expect(firstDifference(xInPlace, y)).toBe(-1);
    }
  });

  it('sigmoid and softmax of Inf, NaN and huge inputs are what IEEE arithmetic gives', () => {
    const kernels = get();
    for (const F of [Float32Array, Float64Array]) {
      const huge = F === Float32Array ? 3e38 : 1e300;
      const s = new F(9);
      kernels.sigmoidForward(F.from([-Infinity, Infinity, NaN, -0, 0, huge, -huge, 1e-30, -1e-30]), s, 9);
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
      kernels.softmaxRows(x, y, rows.length, 3);
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
    const kernels = get();
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
      kernels.reluBackward(dout, mask, dxN, n);
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
      kernels.reluBackward(inPlace, mask, inPlace, n - 1);
      for (let i = 0; i < n - 1; i++) expect(Object.is(inPlace[i], dxT[i])).toBe(true);
      expect(inPlace[n - 1]).toBe(3);
    }
  });
}
