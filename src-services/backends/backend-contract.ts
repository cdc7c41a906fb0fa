import { expect, it } from 'vitest';
import type { Backend, FloatArray } from '../../src-engine/backend';
import { Rng } from '../../src-engine/rng';

/**
 * The contract every Backend implementation keeps (src-engine/backend.ts), registered as tests for one
 * backend: backend-contract.test.ts runs it against the TypeScript and the native backend, so both answer
 * alike — the same values within the dtype's tolerance, the same error class for the same mistake.
 */
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
const DTYPES: readonly Ctor[] = [Float32Array, Float64Array];

/**
 * Relative tolerance against a float64 oracle: the kernels below take at most ~20 rounded operations per
 * value (softmax: an exp, a sum of 5 terms, a division; float32 also rounds the float64 inputs), each off by
 * at most half an ulp, so 20 ulps of the dtype (2^-23, 2^-52) bound them: 2.4e-6 and 4.4e-15.
 */
const tolerance = (F: Ctor): number => (F === Float32Array ? 2.4e-6 : 4.4e-15);

function random(F: Ctor, n: number, rng: Rng, scale = 4): FloatArray {
  const a = new F(n);
  for (let i = 0; i < n; i++) a[i] = (rng.uniform() * 2 - 1) * scale;
  return a;
}

function expectClose(actual: FloatArray, expected: ArrayLike<number>, F: Ctor, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i]! - expected[i]!);
    if (!(error <= tolerance(F) * Math.max(1, Math.abs(expected[i]!)))) expect(actual[i], `${what} [${i}]`).toBe(expected[i]);
  }
}

/** Softmax of each row in float64: the oracle of softmaxRows and of the fused loss. */
function softmaxOracle(x: FloatArray, rows: number, cols: number): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    e.forEach((v, j) => (y[r * cols + j] = v / sum));
  }
  return y;
}

export function backendContract(get: () => Backend): void {
  it('every "may alias" output gives the same numbers in place as into a separate array, matching a float64 oracle', () => {
    const b = get();
    const rng = new Rng(31);
    const [rows, cols] = [7, 5];
    const n = rows * cols;
    for (const F of DTYPES) {
      const x = random(F, n, rng);
      const dout = random(F, n, rng);
      const labels = Int32Array.from({ length: rows }, () => rng.integer(cols));
      /** Runs `kernel` into a fresh output and in place (on a copy of `input`); both must equal `expected`. */
      const check = (what: string, input: FloatArray, kernel: (inputArg: FloatArray, out: FloatArray) => void, expected: ArrayLike<number>): void => {
        const out = new F(n);
        kernel(F.from(input), out);
        expectClose(out, expected, F, `${what} ${F.name}`);
        const inPlace = F.from(input);
        kernel(inPlace, inPlace);
        expect(Array.from(inPlace), `${what} ${F.name} in place`).toEqual(Array.from(out));
      };
      const xs = Array.from(x);
      check('reluForward (y = x)', x, (a, out) => b.reluForward(a, out, new Uint8Array(n), n), xs.map((v) => (v > 0 ? v : 0)));
      const mask = Uint8Array.from(xs, (v) => (v > 0 ? 1 : 0));
      check('reluBackward (dx = dout)', dout, (a, out) => b.reluBackward(a, mask, out, n), Array.from(dout, (v, i) => (mask[i] ? v : 0)));
      check('sigmoidForward (y = x)', x, (a, out) => b.sigmoidForward(a, out, n), xs.map((v) => 1 / (1 + Math.exp(-v))));
      const y = F.from(xs.map((v) => 1 / (1 + Math.exp(-v))));
      check('sigmoidBackward (dx = dout)', dout, (a, out) => b.sigmoidBackward(a, y, out, n), Array.from(dout, (v, i) => v * (1 - y[i]!) * y[i]!));
      const probabilities = softmaxOracle(x, rows, cols);
      check('softmaxRows (y = x)', x, (a, out) => b.softmaxRows(a, out, rows, cols), probabilities);
      let loss = NaN;
      check('softmaxCrossEntropy (y = x)', x, (a, out) => (loss = b.softmaxCrossEntropy(a, labels, out, rows, cols, 1e-7)), probabilities);
      let total = 0;
      for (let r = 0; r < rows; r++) total += Math.log(probabilities[r * cols + labels[r]!]! + 1e-7);
      expect(Math.abs(loss + total / rows)).toBeLessThanOrEqual(tolerance(F) * Math.abs(total / rows));
      const p = F.from(probabilities);
      const gradient = Array.from(p, (v, i) => (v - (i % cols === labels[Math.floor(i / cols)] ? 1 : 0)) / rows);
      check('softmaxCrossEntropyBackward (dx = y)', p, (a, out) => b.softmaxCrossEntropyBackward(a, labels, out, rows, cols), gradient);
      const products = Array.from(x, (v, i) => v * dout[i]!);
      check('mul (out = a)', x, (a, out) => b.mul(a, dout, out, n), products);
      check('mul (out = b)', dout, (a, out) => b.mul(x, a, out, n), products);
    }
  });

  it('arrays of mixed dtypes throw TypeError', () => {
    const b = get();
    const f = (n: number) => new Float32Array(n);
    const d = (n: number) => new Float64Array(n);
    const u8 = new Uint8Array(4);
    const labels = new Int32Array(2);
    const sparse = [new Int32Array([0, 1]), new Uint16Array([0]), new Uint8Array([1]), 2, new Int32Array([0])] as const;
    const calls: Array<[string, () => unknown]> = [
      ['gemm', () => b.gemm(false, false, 2, 2, 2, 1, f(4), d(4), 0, f(4))],
      ['addBias', () => b.addBias(f(4), 2, 2, d(2), false)],
      ['colSums', () => b.colSums(f(4), 2, 2, d(2))],
      ['reluForward', () => b.reluForward(f(4), d(4), u8, 4)],
      ['reluBackward', () => b.reluBackward(f(4), u8, d(4), 4)],
      ['sigmoidForward', () => b.sigmoidForward(d(4), f(4), 4)],
      ['sigmoidBackward', () => b.sigmoidBackward(f(4), f(4), d(4), 4)],
      ['softmaxRows', () => b.softmaxRows(f(4), d(4), 2, 2)],
      ['softmaxCrossEntropy', () => b.softmaxCrossEntropy(f(4), labels, d(4), 2, 2, 1e-7)],
      ['softmaxCrossEntropyBackward', () => b.softmaxCrossEntropyBackward(d(4), labels, f(4), 2, 2)],
      ['axpby', () => b.axpby(1, f(4), 1, d(4), 4)],
      ['optimizerStep g', () => b.optimizerStep('momentum', f(4), d(4), f(4), f(4), 4, 0.1, 0.9, 0, 1e-7)],
      ['optimizerStep s2', () => b.optimizerStep('adam', f(4), f(4), f(4), d(4), 4, 0.1, 0.9, 0.999, 1e-7)],
      ['batchNormForward', () => b.batchNormForward(f(4), 2, 2, f(2), d(2), f(2), f(2), true, 0.9, 1e-7, f(4), f(4), f(2), f(4))],
      ['batchNormBackward', () => b.batchNormBackward(f(4), 2, 2, f(2), f(4), f(4), f(2), d(4), f(2), f(2))],
      ['mul', () => b.mul(f(4), f(4), d(4), 4)],
      ['sparseMatmul', () => b.sparseMatmul(...sparse, 1, f(2), 1, d(1))],
      ['sparseMatmulTransposed', () => b.sparseMatmulTransposed(...sparse, 1, d(1), 1, f(2))],
    ];
    for (const [what, call] of calls) expect(call, what).toThrow(TypeError);
  });

  it('buffers shorter than their shapes, bad sizes and labels or indices out of range throw RangeError', () => {
    const b = get();
    const f = (n: number) => new Float64Array(n);
    const sparse = [new Int32Array([0, 1]), new Uint16Array([0]), new Uint8Array([1]), 2, new Int32Array([0])] as const;
    const calls: Array<[string, () => unknown]> = [
      ['gemm A', () => b.gemm(false, false, 2, 3, 4, 1, f(7), f(12), 0, f(6))],
      ['gemm B^T', () => b.gemm(false, true, 2, 3, 4, 1, f(8), f(11), 0, f(6))],
      ['gemm C', () => b.gemm(true, false, 2, 3, 4, 1, f(8), f(12), 0, f(5))],
      ['gemm negative m', () => b.gemm(false, false, -1, 3, 4, 1, f(8), f(12), 0, f(6))],
      ['gemm fractional k', () => b.gemm(false, false, 2, 3, 1.5, 1, f(8), f(12), 0, f(6))],
      ['gemm NaN n', () => b.gemm(false, false, 2, NaN, 4, 1, f(8), f(12), 0, f(6))],
      ['addBias bias', () => b.addBias(f(6), 2, 3, f(2), true)],
      ['colSums x', () => b.colSums(f(5), 2, 3, f(3))],
      ['reluForward mask', () => b.reluForward(f(6), f(6), new Uint8Array(3), 6)],
      ['reluBackward dx', () => b.reluBackward(f(6), new Uint8Array(6), f(5), 6)],
      ['sigmoidForward y', () => b.sigmoidForward(f(6), f(5), 6)],
      ['sigmoidBackward y', () => b.sigmoidBackward(f(6), f(5), f(6), 6)],
      ['softmaxRows y', () => b.softmaxRows(f(6), f(5), 2, 3)],
      ['softmaxCrossEntropy label', () => b.softmaxCrossEntropy(f(6), new Int32Array([0, 3]), f(6), 2, 3, 1e-7)],
      ['softmaxCrossEntropy negative label', () => b.softmaxCrossEntropy(f(6), new Int32Array([-1, 0]), f(6), 2, 3, 1e-7)],
      ['softmaxCrossEntropy labels', () => b.softmaxCrossEntropy(f(6), new Int32Array(1), f(6), 2, 3, 1e-7)],
      ['softmaxCrossEntropyBackward label', () => b.softmaxCrossEntropyBackward(f(6), new Int32Array([3, 0]), f(6), 2, 3)],
      ['axpby y', () => b.axpby(1, f(6), 1, f(5), 6)],
      ['optimizerStep s1', () => b.optimizerStep('momentum', f(4), f(4), f(3), f(4), 4, 0.1, 0.9, 0, 1e-7)],
      ['optimizerStep adam s2', () => b.optimizerStep('adam', f(4), f(4), f(4), f(2), 4, 0.1, 0.9, 0.999, 1e-7)],
      ['batchNormForward xc', () => b.batchNormForward(f(6), 2, 3, f(3), f(3), f(3), f(3), true, 0.9, 1e-7, f(5), f(6), f(3), f(6))],
      ['batchNormBackward std', () => b.batchNormBackward(f(6), 2, 3, f(3), f(6), f(6), f(2), f(6), f(3), f(3))],
      ['sumSquares x', () => b.sumSquares(f(3), 4)],
      ['mul out', () => b.mul(f(4), f(4), f(3), 4)],
      ['argmaxRows out', () => b.argmaxRows(f(6), 2, 3, new Int32Array(1))],
      ['gatherRows index', () => b.gatherRows(new Uint8Array(16), 8, new Int32Array([2]), 1, f(8))],
      ['gatherRows out', () => b.gatherRows(new Uint8Array(16), 8, new Int32Array([1]), 1, f(7))],
      ['sparseMatmul W', () => b.sparseMatmul(...sparse, 1, f(1), 1, f(1))],
      ['sparseMatmul index', () => b.sparseMatmul(new Int32Array([0, 1]), new Uint16Array([0]), new Uint8Array([1]), 2, new Int32Array([1]), 1, f(2), 1, f(1))],
      ['sparseMatmulTransposed out', () => b.sparseMatmulTransposed(...sparse, 1, f(1), 1, f(1))],
      ['sparseMatmulTransposed column', () => b.sparseMatmulTransposed(new Int32Array([0, 1]), new Uint16Array([2]), new Uint8Array([1]), 2, new Int32Array([0]), 1, f(1), 1, f(2))],
    ];
    for (const [what, call] of calls) expect(call, what).toThrow(RangeError);
  });

  it('outputs that may not alias an input throw RangeError when they share its memory', () => {
    const b = get();
    const buffer = new ArrayBuffer(64 * 8);
    const view = (offset: number, n: number) => new Float64Array(buffer, offset * 8, n);
    const indices = new Int32Array(buffer, 0, 2);
    const calls: Array<[string, () => unknown]> = [
      ['gemm C on A', () => b.gemm(false, false, 2, 2, 2, 1, view(0, 4), new Float64Array(4), 0, view(2, 4))],
      ['gemm C on B', () => b.gemm(false, false, 2, 2, 2, 1, new Float64Array(4), view(0, 4), 0, view(3, 4))],
      ['colSums out on x', () => b.colSums(view(0, 6), 2, 3, view(4, 3))],
      ['gatherRows out on indices', () => b.gatherRows(new Uint8Array(16), 8, indices, 1, view(0, 16))],
      ['sparseMatmul out on W', () => b.sparseMatmul(new Int32Array([0, 1]), new Uint16Array([0]), new Uint8Array([1]), 2, new Int32Array([0]), 1, view(0, 2), 1, view(1, 1))],
      ['sparseMatmul out on indices', () => b.sparseMatmul(new Int32Array([0, 1]), new Uint16Array([0]), new Uint8Array([1]), 2, new Int32Array(buffer, 64 * 4, 1), 1, new Float64Array(2), 1, view(32, 1))],
    ];
    for (const [what, call] of calls) expect(call, what).toThrow(RangeError);
  });

  it('zero sizes are valid: nothing is read, every defined output is written', () => {
    const b = get();
    for (const F of DTYPES) {
      const empty = new F(0);
      const c = new F([NaN, NaN, 7, 7]);
      b.gemm(false, false, 2, 2, 0, 1, empty, empty, 0, c); // k = 0: C = beta * C, and beta = 0 clears NaN
      expect(Array.from(c)).toEqual([0, 0, 0, 0]);
      const scaled = new F([1, 2]);
      b.gemm(true, true, 1, 2, 0, 1, empty, empty, 3, scaled);
      expect(Array.from(scaled)).toEqual([3, 6]);
      b.gemm(false, false, 0, 3, 4, 1, empty, new F(12), 0, empty);
      const sums = new F([NaN, NaN]);
      b.colSums(empty, 0, 2, sums);
      expect(Array.from(sums)).toEqual([0, 0]);
      expect(b.softmaxCrossEntropy(empty, new Int32Array(0), empty, 0, 3, 1e-7)).toBe(0);
      b.softmaxCrossEntropyBackward(empty, new Int32Array(0), empty, 0, 3);
      b.softmaxRows(empty, empty, 0, 4);
      b.addBias(empty, 0, 3, new F(3), true);
      b.reluForward(empty, empty, new Uint8Array(0), 0);
      b.optimizerStep('adam', empty, empty, empty, empty, 0, 0.1, 0.9, 0.999, 1e-7);
      expect(b.sumSquares(empty, 0)).toBe(0);
      b.argmaxRows(empty, 0, 0, new Int32Array(0));
      b.gatherRows(new Uint8Array(0), 4, new Int32Array(0), 1, empty);
      const dW = new F(4).fill(NaN);
      b.sparseMatmulTransposed(new Int32Array([0, 1]), new Uint16Array([0]), new Uint8Array([1]), 2, new Int32Array(0), 1, empty, 2, dW);
      expect(Array.from(dW)).toEqual([0, 0, 0, 0]);
      // What has no answer at zero size throws alike.
      expect(() => b.argmaxRows(new F(0), 2, 0, new Int32Array(2))).toThrow(RangeError);
      expect(() => b.batchNormBackward(empty, 0, 2, new F(2), empty, empty, new F(2), empty, new F(2), new F(2))).toThrow(RangeError);
    }
  });
}
