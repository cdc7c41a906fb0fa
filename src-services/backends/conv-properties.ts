import { expect, it } from 'vitest';
import type { Backend, FloatArray, WindowArgs } from '../../src-engine/backend';
import { createTsBackend } from '../../src-engine/backends/ts-backend';
import { Rng } from '../../src-engine/rng';
import type { KernelThreads } from './kernel-properties';

/**
 * The property tests of a compiled backend's direct convolution (native/src/conv_isa.inc) and 2x2 pooling
 * path (conv_kernels.h) against the TypeScript reference, the book's im2col route (the oracle), registered for
 * the native addon (native-backend.test.ts) and for its WebAssembly build (wasm/wasm-backend.test.ts).
 */
const ts = createTsBackend();
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Up to 3 images of up to 3 channels of 1-12 pixels a side, a window of up to 5x5 that fits, stride 1-3, pad 0-2. */
function randomWindow(rng: Rng): WindowArgs {
  const [n, c, h, w] = [1 + rng.integer(3), 1 + rng.integer(3), 1 + rng.integer(12), 1 + rng.integer(12)];
  const pad = rng.integer(3);
  return [n, c, h, w, 1 + rng.integer(Math.min(h + 2 * pad, 5)), 1 + rng.integer(Math.min(w + 2 * pad, 5)), 1 + rng.integer(3), pad];
}

/** The three passes of `k` on the inputs: out, dw, db, dx (each filled with NaN first, so a value not written shows). */
function passes(k: Backend, F: Ctor, x: FloatArray, w: FloatArray, bias: FloatArray, dout: FloatArray, filters: number, window: WindowArgs): FloatArray[] {
  const [out, dw, db, dx] = [new F(dout.length), new F(w.length), new F(filters), new F(x.length)].map((a) => a.fill(NaN));
  k.convForward(x, w, bias, out, filters, ...window);
  k.convBackwardFilters(x, dout, dw, db, filters, ...window);
  k.convBackwardInput(dout, w, dx, filters, ...window);
  return [out, dw, db, dx];
}

export function convProperties(get: () => Backend, threads: KernelThreads): void {
  it('convForward, convBackwardFilters and convBackwardInput match the TypeScript backend within the rounding of their sums, float32 and float64, on each thread count', () => {
    const kernels = get();
    const rng = new Rng(23);
    // SimpleConvNet's first layer on 8 and on 100 images (the native backend splits both across threads;
    // 30 filters are 2 float32 vectors of 16), filter counts that take the 1-, 3- and 4-vector and the
    // generic loops, and random windows with padding, strides and several channels.
    const fixed: Array<[WindowArgs, number]> = [[[8, 1, 28, 28, 5, 5, 1, 0], 30], [[100, 1, 28, 28, 5, 5, 1, 0], 30], [[2, 3, 9, 8, 3, 3, 2, 1], 40], [[2, 2, 7, 7, 3, 3, 1, 2], 70], [[3, 1, 12, 12, 5, 5, 1, 0], 16]];
    for (let trial = 0; trial < 45; trial++) {
      const [window, filters] = trial < fixed.length ? fixed[trial]! : [randomWindow(rng), 1 + rng.integer(20)];
      const [n, c, h, w, fh, fw, stride, pad] = window;
      const [outH, outW] = [Math.floor((h + 2 * pad - fh) / stride) + 1, Math.floor((w + 2 * pad - fw) / stride) + 1];
      const what = `${JSON.stringify(window)} filters ${filters}`;
      // Mostly zero pixels, as in MNIST (the kernels skip zeros), and zeros in dout (as after ReLU and pooling).
      const x = Float64Array.from({ length: n * c * h * w }, () => (rng.uniform() < 0.6 ? 0 : rng.uniform()));
      const W = Float64Array.from({ length: filters * c * fh * fw }, () => rng.uniform() * 2 - 1);
      const bias = Float64Array.from({ length: filters }, () => rng.uniform() * 2 - 1);
      const dout = Float64Array.from({ length: n * filters * outH * outW }, () => (rng.uniform() < 0.5 ? 0 : rng.uniform() * 2 - 1));
      for (const F of [Float32Array, Float64Array]) {
        const [xs, ws, bs, ds] = [x, W, bias, dout].map((a) => F.from(a));
        // The oracle in float64 on the same (rounded) inputs, and the same sums of magnitudes: a sum of `terms`
        // products in any order is off by at most (terms + 2) units of rounding of the dtype times that magnitude.
        const f64 = (a: FloatArray): Float64Array => Float64Array.from(a);
        const expected = passes(ts, Float64Array, f64(xs), f64(ws), f64(bs), f64(ds), filters, window);
        const abs = (a: FloatArray): Float64Array => Float64Array.from(a, Math.abs);
        const magnitude = passes(ts, Float64Array, abs(xs), abs(ws), abs(bs), abs(ds), filters, window);
        const terms = [c * fh * fw + 1, n * outH * outW, n * outH * outW, filters * fh * fw];
        const unit = F === Float32Array ? 2 ** -24 : 2 ** -53;
        for (const t of threads.counts) {
          threads.set(t);
          const actual = passes(kernels, F, xs, ws, bs, ds, filters, window);
          ['out', 'dw', 'db', 'dx'].forEach((name, p) => {
            for (let i = 0; i < expected[p]!.length; i++) {
              const bound = (terms[p]! + 2) * unit * magnitude[p]![i]!;
              if (!(Math.abs(actual[p]![i]! - expected[p]![i]!) <= bound)) expect(actual[p]![i], `${name} ${what} ${F.name} on ${t} thread(s) [${i}]`).toBe(expected[p]![i]);
            }
          });
        }
      }
    }
    threads.set(threads.counts[threads.counts.length - 1]!);
  });

  it('2x2 stride-2 max pooling (its own path) equals the TypeScript backend bit for bit, argmax of ties included, with odd sizes cut off', () => {
    const kernels = get();
    const rng = new Rng(29);
    // SimpleConvNet's pooling (100 x 30 x 24 x 24, split across threads), and odd heights and widths whose last row or column no window reads.
    const windows: WindowArgs[] = [[100, 30, 24, 24, 2, 2, 2, 0], [2, 3, 7, 5, 2, 2, 2, 0], [1, 1, 2, 2, 2, 2, 2, 0], [3, 2, 9, 10, 2, 2, 2, 0]];
    for (const window of windows) {
      const [n, c, h, w] = window;
      const pooled = n * c * Math.floor(h / 2) * Math.floor(w / 2);
      for (const F of [Float32Array, Float64Array]) {
        // Small integers with many zeros (a ReLU'd map): ties are common, and the first maximum must win.
        const x = F.from(Array.from({ length: n * c * h * w }, () => Math.max(0, rng.integer(5) - 2)));
        const [out, outRef] = [new F(pooled).fill(NaN), new F(pooled).fill(NaN)];
        const [argmax, argmaxRef] = [new Int32Array(pooled).fill(-1), new Int32Array(pooled).fill(-1)];
        ts.maxPoolForward(x, outRef, argmaxRef, ...window);
        for (const t of threads.counts) {
          threads.set(t);
          kernels.maxPoolForward(x, out, argmax, ...window);
          expect(Array.from(out), `${JSON.stringify(window)} ${F.name} on ${t} thread(s)`).toEqual(Array.from(outRef));
          expect(Array.from(argmax), `argmax ${JSON.stringify(window)} ${F.name} on ${t} thread(s)`).toEqual(Array.from(argmaxRef));
        }
      }
    }
    threads.set(threads.counts[threads.counts.length - 1]!);
  });
  it('the fused ReLU and max pooling equal the TypeScript backend bit for bit (argmax -1 where ReLU stops the gradient), on random windows and each thread count', () => {
    const kernels = get();
    const rng = new Rng(31);
    for (let trial = 0; trial < 40; trial++) {
      // SimpleConvNet's Relu1 and Pool1 (split across threads), then random windows with padding, overlap and strides.
      const window: WindowArgs = trial === 0 ? [100, 30, 24, 24, 2, 2, 2, 0] : randomWindow(rng);
      const [n, c, h, w, fh, fw, stride, pad] = window;
      const [size, pooled] = [n * c * h * w, n * c * (Math.floor((h + 2 * pad - fh) / stride) + 1) * (Math.floor((w + 2 * pad - fw) / stride) + 1)];
      for (const F of [Float32Array, Float64Array]) {
        // Small integers around 0: ties, zeros and all-negative windows are common; integer gradients sum exactly.
        const x = F.from(Array.from({ length: size }, () => rng.integer(5) - 2));
        const dout = F.from(Array.from({ length: pooled }, () => rng.integer(9) - 4));
        const run = (k: Backend): [number[], number[], number[]] => {
          const [out, argmax, dx] = [new F(pooled).fill(NaN), new Int32Array(pooled).fill(-7), new F(size).fill(NaN)];
          k.reluMaxPoolForward(x, out, argmax, ...window);
          k.reluMaxPoolBackward(dout, argmax, dx, ...window);
          return [Array.from(out), Array.from(argmax), Array.from(dx)];
        };
        const expected = run(ts);
        for (const t of threads.counts) {
          threads.set(t);
          expect(run(kernels), `${JSON.stringify(window)} ${F.name} on ${t} thread(s)`).toEqual(expected);
        }
      }
    }
    threads.set(threads.counts[threads.counts.length - 1]!);
  });
  it('the fused convolution, ReLU and 2x2 pooling equal the TypeScript backend bit for bit on integer values (exact sums), on each thread count', () => {
    const kernels = get();
    const rng = new Rng(37);
    // SimpleConvNet's first three layers on 100 images (split across threads; 30 filters are 2 float32
    // vectors), filter counts for the other loops, odd outputs, padding and strides.
    const cases: Array<[WindowArgs, number]> = [[[100, 1, 28, 28, 5, 5, 1, 0], 30], [[3, 2, 9, 8, 3, 3, 1, 0], 16], [[2, 3, 11, 10, 3, 3, 2, 1], 40], [[2, 1, 7, 7, 3, 3, 1, 2], 70], [[1, 1, 5, 5, 4, 4, 1, 0], 3]];
    for (const [window, filters] of cases) {
      const [n, c, h, w, fh, fw, stride, pad] = window;
      const [outH, outW] = [Math.floor((h + 2 * pad - fh) / stride) + 1, Math.floor((w + 2 * pad - fw) / stride) + 1];
      const pooled = n * filters * Math.floor(outH / 2) * Math.floor(outW / 2);
      for (const F of [Float32Array, Float64Array]) {
        // Small integers (mostly zero pixels, as MNIST): every sum is exact in float32, so ties and signs agree exactly.
        const x = F.from(Array.from({ length: n * c * h * w }, () => (rng.uniform() < 0.6 ? 0 : rng.integer(4))));
        const W = F.from(Array.from({ length: filters * c * fh * fw }, () => rng.integer(5) - 2));
        const bias = F.from(Array.from({ length: filters }, () => rng.integer(5) - 2));
        const dout = F.from(Array.from({ length: pooled }, () => rng.integer(9) - 4));
        const run = (k: Backend): number[][] => {
          const [out, argmax, dw, db] = [new F(pooled).fill(NaN), new Int32Array(pooled).fill(-7), new F(W.length).fill(NaN), new F(filters).fill(NaN)];
          k.convReluPoolForward(x, W, bias, out, argmax, filters, ...window);
          k.convReluPoolBackwardFilters(x, dout, argmax, dw, db, filters, ...window);
          return [out, argmax, dw, db].map((a) => Array.from(a));
        };
        const expected = run(ts);
        for (const t of threads.counts) {
          threads.set(t);
          expect(run(kernels), `${JSON.stringify(window)} filters ${filters} ${F.name} on ${t} thread(s)`).toEqual(expected);
        }
      }
    }
    threads.set(threads.counts[threads.counts.length - 1]!);
  });
}
