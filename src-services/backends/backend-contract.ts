import { expect, it } from 'vitest';
import type { Backend, FloatArray, WindowArgs } from '../../src-engine/backend';
import { createTsBackend } from '../../src-engine/backends/ts-backend';
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

/** Up to 3 images of up to 3 channels of up to 9x9 pixels, a window of up to 5x5 that fits, stride 1-3, pad 0-2. */
function randomWindow(rng: Rng): WindowArgs {
  const [n, c, h, w] = [1 + rng.integer(3), 1 + rng.integer(3), 1 + rng.integer(9), 1 + rng.integer(9)];
  const pad = rng.integer(3);
  return [n, c, h, w, 1 + rng.integer(Math.min(h + 2 * pad, 5)), 1 + rng.integer(Math.min(w + 2 * pad, 5)), 1 + rng.integer(3), pad];
}

export function backendContract(get: () => Backend): void {
  it('the convolution kernels match the TypeScript reference on random windows (padding, stride, overlap, float32 and float64)', () => {
    const b = get();
    const reference = createTsBackend();
    const rng = new Rng(17);
    for (let trial = 0; trial < 60; trial++) {
      // The first window is large enough (320 000 col values) for the native backend to split it across threads.
      const window: WindowArgs = trial === 0 ? [8, 4, 20, 20, 5, 5, 1, 2] : randomWindow(rng);
      const [n, c, h, w, fh, fw, stride, pad] = window;
      const [outH, outW] = [Math.floor((h + 2 * pad - fh) / stride) + 1, Math.floor((w + 2 * pad - fw) / stride) + 1];
      const [image, cols, pooled] = [n * c * h * w, n * outH * outW * c * fh * fw, n * c * outH * outW];
      const what = `${JSON.stringify(window)}`;
      for (const F of DTYPES) {
        // Small integers tie often inside a window: the first maximum must win on both backends.
        const x = F.from(Array.from({ length: image }, () => rng.integer(5) - 2));
        const both = (run: (k: Backend, which: 0 | 1) => FloatArray): [FloatArray, FloatArray] => [run(b, 0), run(reference, 1)];
        const [col, colRef] = both((k) => { const out = new F(cols).fill(NaN); k.im2col(x, out, ...window); return out; });
        expect(Array.from(col), `im2col ${what} ${F.name}`).toEqual(Array.from(colRef));
        const cotangent = random(F, cols, rng);
        const [dx, dxRef] = both((k) => { const out = new F(image).fill(NaN); k.col2im(cotangent, out, ...window); return out; });
        expectClose(dx, dxRef, F, `col2im ${what}`);
        const argmax = [new Int32Array(pooled), new Int32Array(pooled)];
        const [out, outRef] = both((k, which) => { const o = new F(pooled).fill(NaN); k.maxPoolForward(x, o, argmax[which], ...window); return o; });
        expect(Array.from(out), `maxPoolForward ${what} ${F.name}`).toEqual(Array.from(outRef));
        expect(Array.from(argmax[0]), `maxPoolForward argmax ${what} ${F.name}`).toEqual(Array.from(argmax[1]));
        const dout = random(F, pooled, rng);
        const [dpool, dpoolRef] = both((k) => { const o = new F(image).fill(NaN); k.maxPoolBackward(dout, argmax[1], o, ...window); return o; });
        expectClose(dpool, dpoolRef, F, `maxPoolBackward ${what}`);
        const [t, tRef] = both((k) => { const o = new F(image).fill(NaN); k.transposeBatch(x, o, n, c, h * w); return o; });
        expect(Array.from(t), `transposeBatch ${what} ${F.name}`).toEqual(Array.from(tRef));
      }
    }
  });

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
      ['im2col', () => b.im2col(f(4), d(4), 1, 1, 2, 2, 2, 2, 1, 0)],
      ['col2im', () => b.col2im(d(4), f(4), 1, 1, 2, 2, 2, 2, 1, 0)],
      ['maxPoolForward', () => b.maxPoolForward(f(4), d(1), new Int32Array(1), 1, 1, 2, 2, 2, 2, 2, 0)],
      ['maxPoolBackward', () => b.maxPoolBackward(d(1), new Int32Array(1), f(4), 1, 1, 2, 2, 2, 2, 2, 0)],
      ['reluMaxPoolForward', () => b.reluMaxPoolForward(f(4), d(1), new Int32Array(1), 1, 1, 2, 2, 2, 2, 2, 0)],
      ['reluMaxPoolBackward', () => b.reluMaxPoolBackward(d(1), new Int32Array(1), f(4), 1, 1, 2, 2, 2, 2, 2, 0)],
      ['convReluPoolForward bias', () => b.convReluPoolForward(f(9), f(4), d(1), f(1), new Int32Array(1), 1, 1, 1, 3, 3, 2, 2, 1, 0)],
      ['convReluPoolBackwardFilters dw', () => b.convReluPoolBackwardFilters(f(9), f(1), new Int32Array(1), d(4), f(1), 1, 1, 1, 3, 3, 2, 2, 1, 0)],
      ['transposeBatch', () => b.transposeBatch(f(4), d(4), 1, 2, 2)],
      ['convForward w', () => b.convForward(f(4), d(4), f(1), f(1), 1, 1, 1, 2, 2, 2, 2, 1, 0)],
      ['convBackwardFilters db', () => b.convBackwardFilters(f(4), f(1), f(4), d(1), 1, 1, 1, 2, 2, 2, 2, 1, 0)],
      ['convBackwardInput dx', () => b.convBackwardInput(f(1), f(4), d(4), 1, 1, 1, 2, 2, 2, 2, 1, 0)],
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
      ['convForward w', () => b.convForward(f(9), f(7), f(2), f(8), 2, 1, 1, 3, 3, 2, 2, 1, 0)],
      ['convForward out', () => b.convForward(f(9), f(8), f(2), f(7), 2, 1, 1, 3, 3, 2, 2, 1, 0)],
      ['convForward fractional filters', () => b.convForward(f(9), f(8), f(2), f(8), 1.5, 1, 1, 3, 3, 2, 2, 1, 0)],
      ['convBackwardFilters db', () => b.convBackwardFilters(f(9), f(8), f(8), f(1), 2, 1, 1, 3, 3, 2, 2, 1, 0)],
      ['convBackwardInput dout', () => b.convBackwardInput(f(7), f(8), f(9), 2, 1, 1, 3, 3, 2, 2, 1, 0)],
      ['convBackwardInput window larger than the image', () => b.convBackwardInput(f(8), f(8), f(9), 2, 1, 1, 3, 3, 4, 4, 1, 0)],
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
      ['im2col col', () => b.im2col(f(9), f(15), 1, 1, 3, 3, 2, 2, 1, 0)],
      ['im2col x', () => b.im2col(f(8), f(16), 1, 1, 3, 3, 2, 2, 1, 0)],
      ['im2col window larger than the padded image', () => b.im2col(f(4), f(9), 1, 1, 2, 2, 3, 3, 1, 0)],
      ['im2col stride 0', () => b.im2col(f(4), f(4), 1, 1, 2, 2, 2, 2, 0, 0)],
      ['im2col fractional pad', () => b.im2col(f(4), f(64), 1, 1, 2, 2, 2, 2, 1, 0.5)],
      ['col2im dx', () => b.col2im(f(16), f(8), 1, 1, 3, 3, 2, 2, 1, 0)],
      ['maxPoolForward argmax', () => b.maxPoolForward(f(16), f(4), new Int32Array(3), 1, 1, 4, 4, 2, 2, 2, 0)],
      ['maxPoolForward out', () => b.maxPoolForward(f(16), f(3), new Int32Array(4), 1, 1, 4, 4, 2, 2, 2, 0)],
      ['maxPoolBackward argmax outside the window', () => b.maxPoolBackward(f(1), new Int32Array([4]), f(4), 1, 1, 2, 2, 2, 2, 2, 0)],
      ['maxPoolBackward negative argmax', () => b.maxPoolBackward(f(1), new Int32Array([-1]), f(4), 1, 1, 2, 2, 2, 2, 2, 0)],
      ['maxPoolBackward dx', () => b.maxPoolBackward(f(1), new Int32Array(1), f(3), 1, 1, 2, 2, 2, 2, 2, 0)],
      ['reluMaxPoolForward argmax', () => b.reluMaxPoolForward(f(16), f(4), new Int32Array(3), 1, 1, 4, 4, 2, 2, 2, 0)],
      ['reluMaxPoolBackward argmax outside the window', () => b.reluMaxPoolBackward(f(1), new Int32Array([4]), f(4), 1, 1, 2, 2, 2, 2, 2, 0)],
      ['reluMaxPoolBackward argmax below -1', () => b.reluMaxPoolBackward(f(1), new Int32Array([-2]), f(4), 1, 1, 2, 2, 2, 2, 2, 0)],
      ['reluMaxPoolBackward dx', () => b.reluMaxPoolBackward(f(1), new Int32Array(1), f(3), 1, 1, 2, 2, 2, 2, 2, 0)],
      ['convReluPoolForward out', () => b.convReluPoolForward(f(9), f(4), f(1), f(0), new Int32Array(1), 1, 1, 1, 3, 3, 2, 2, 1, 0)],
      ['convReluPoolForward argmax', () => b.convReluPoolForward(f(9), f(4), f(1), f(1), new Int32Array(0), 1, 1, 1, 3, 3, 2, 2, 1, 0)],
      ['convReluPoolForward output smaller than the pooling window', () => b.convReluPoolForward(f(4), f(4), f(1), f(0), new Int32Array(0), 1, 1, 1, 2, 2, 2, 2, 1, 0)],
      ['convReluPoolBackwardFilters argmax outside the window', () => b.convReluPoolBackwardFilters(f(9), f(1), new Int32Array([4]), f(4), f(1), 1, 1, 1, 3, 3, 2, 2, 1, 0)],
      ['convReluPoolBackwardFilters argmax below -1', () => b.convReluPoolBackwardFilters(f(9), f(1), new Int32Array([-2]), f(4), f(1), 1, 1, 1, 3, 3, 2, 2, 1, 0)],
      ['convReluPoolBackwardFilters db', () => b.convReluPoolBackwardFilters(f(9), f(1), new Int32Array(1), f(4), f(0), 1, 1, 1, 3, 3, 2, 2, 1, 0)],
      ['transposeBatch out', () => b.transposeBatch(f(12), f(11), 2, 2, 3)],
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
      ['im2col col on x', () => b.im2col(view(0, 9), view(8, 16), 1, 1, 3, 3, 2, 2, 1, 0)],
      ['col2im dx on col', () => b.col2im(view(0, 16), view(15, 9), 1, 1, 3, 3, 2, 2, 1, 0)],
      ['maxPoolForward out on x', () => b.maxPoolForward(view(0, 16), view(3, 4), new Int32Array(4), 1, 1, 4, 4, 2, 2, 2, 0)],
      ['maxPoolBackward dx on dout', () => b.maxPoolBackward(view(0, 4), new Int32Array(4), view(2, 16), 1, 1, 4, 4, 2, 2, 2, 0)],
      ['reluMaxPoolForward out on x', () => b.reluMaxPoolForward(view(0, 16), view(3, 4), new Int32Array(4), 1, 1, 4, 4, 2, 2, 2, 0)],
      ['reluMaxPoolBackward dx on dout', () => b.reluMaxPoolBackward(view(0, 4), new Int32Array(4), view(2, 16), 1, 1, 4, 4, 2, 2, 2, 0)],
      ['convReluPoolForward out on w', () => b.convReluPoolForward(new Float64Array(9), view(0, 4), new Float64Array(1), view(3, 1), new Int32Array(1), 1, 1, 1, 3, 3, 2, 2, 1, 0)],
      ['convReluPoolBackwardFilters dw on dout', () => b.convReluPoolBackwardFilters(new Float64Array(9), view(0, 1), new Int32Array(1), view(0, 4), new Float64Array(1), 1, 1, 1, 3, 3, 2, 2, 1, 0)],
      ['transposeBatch out on x', () => b.transposeBatch(view(0, 6), view(5, 6), 1, 2, 3)],
      ['convForward out on x', () => b.convForward(view(0, 9), new Float64Array(4), new Float64Array(1), view(8, 4), 1, 1, 1, 3, 3, 2, 2, 1, 0)],
      ['convForward out on bias', () => b.convForward(new Float64Array(9), new Float64Array(4), view(0, 1), view(0, 4), 1, 1, 1, 3, 3, 2, 2, 1, 0)],
      ['convBackwardFilters dw on dout', () => b.convBackwardFilters(new Float64Array(9), view(0, 4), view(3, 4), new Float64Array(1), 1, 1, 1, 3, 3, 2, 2, 1, 0)],
      ['convBackwardFilters db on dw', () => b.convBackwardFilters(new Float64Array(9), new Float64Array(4), view(0, 4), view(3, 1), 1, 1, 1, 3, 3, 2, 2, 1, 0)],
      ['convBackwardInput dx on w', () => b.convBackwardInput(new Float64Array(4), view(0, 4), view(2, 9), 1, 1, 1, 3, 3, 2, 2, 1, 0)],
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
      b.im2col(empty, empty, 0, 3, 4, 4, 3, 3, 1, 1);
      b.col2im(empty, empty, 0, 3, 4, 4, 3, 3, 1, 1);
      b.maxPoolForward(empty, empty, new Int32Array(0), 0, 2, 4, 4, 2, 2, 2, 0);
      b.maxPoolBackward(empty, new Int32Array(0), empty, 2, 0, 4, 4, 2, 2, 2, 0);
      b.reluMaxPoolForward(empty, empty, new Int32Array(0), 0, 2, 4, 4, 2, 2, 2, 0);
      b.reluMaxPoolBackward(empty, new Int32Array(0), empty, 2, 0, 4, 4, 2, 2, 2, 0);
      b.transposeBatch(empty, empty, 3, 0, 5);
      // An empty batch: no output values, and zero gradients of the filters.
      b.convForward(empty, new F(8), new F(2), empty, 2, 0, 1, 3, 3, 2, 2, 1, 0);
      const [convDw, convDb] = [new F(8).fill(NaN), new F(2).fill(NaN)];
      b.convBackwardFilters(empty, empty, convDw, convDb, 2, 0, 1, 3, 3, 2, 2, 1, 0);
      expect(Array.from(convDw)).toEqual(new Array(8).fill(0));
      expect(Array.from(convDb)).toEqual([0, 0]);
      b.convBackwardInput(empty, new F(8), empty, 2, 0, 1, 3, 3, 2, 2, 1, 0);
      // The fused path on an empty batch: nothing pooled, zero gradients of the filters.
      b.convReluPoolForward(empty, new F(8), new F(2), empty, new Int32Array(0), 2, 0, 1, 3, 3, 2, 2, 1, 0);
      const [poolDw, poolDb] = [new F(8).fill(NaN), new F(2).fill(NaN)];
      b.convReluPoolBackwardFilters(empty, empty, new Int32Array(0), poolDw, poolDb, 2, 0, 1, 3, 3, 2, 2, 1, 0);
      expect(Array.from(poolDw)).toEqual(new Array(8).fill(0));
      expect(Array.from(poolDb)).toEqual([0, 0]);
      // No channels: a batch of images with nothing in them gives no columns and no values.
      b.im2col(empty, empty, 2, 0, 3, 3, 2, 2, 1, 0);
      const dW = new F(4).fill(NaN);
      b.sparseMatmulTransposed(new Int32Array([0, 1]), new Uint16Array([0]), new Uint8Array([1]), 2, new Int32Array(0), 1, empty, 2, dW);
      expect(Array.from(dW)).toEqual([0, 0, 0, 0]);
      // What has no answer at zero size throws alike.
      expect(() => b.argmaxRows(new F(0), 2, 0, new Int32Array(2))).toThrow(RangeError);
      expect(() => b.batchNormBackward(empty, 0, 2, new F(2), empty, empty, new F(2), empty, new F(2), new F(2))).toThrow(RangeError);
    }
  });
}
