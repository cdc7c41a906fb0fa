import { describe, expect, it } from 'vitest';
import type { WindowArgs } from '../backend';
import { TensorOps } from '../ops';
import { Rng } from '../rng';
import { Tensor } from '../tensor';
import { convDefinition } from '../test-support/conv-definition';
import { createTsBackend } from './ts-backend';

const b = createTsBackend();
const range = (n: number, from = 1): number[] => Array.from({ length: n }, (_, i) => from + i);

/** im2col into a fresh float64 col of rows x cols, returned as rows of plain numbers. */
function im2colRows(x: number[], rows: number, cols: number, ...window: WindowArgs): number[][] {
  const col = new Float64Array(rows * cols).fill(NaN);
  b.im2col(Float64Array.from(x), col, ...window);
  return Array.from({ length: rows }, (_, r) => Array.from(col.subarray(r * cols, (r + 1) * cols)));
}

describe('im2col (the book\'s common/util.py), hand-computed', () => {
  it('1x1x3x3, 2x2 filter, stride 1: rows are the windows in (out_h, out_w) order', () => {
    expect(im2colRows(range(9), 4, 4, 1, 1, 3, 3, 2, 2, 1, 0)).toEqual([
      [1, 2, 4, 5],
      [2, 3, 5, 6],
      [4, 5, 7, 8],
      [5, 6, 8, 9],
    ]);
  });

  it('two channels and two images: columns ordered (C, FH, FW), rows (N, out_h, out_w)', () => {
    // x[n, c] = the 2x2 image (n * 8 + c * 4) + [1, 2; 3, 4]
    expect(im2colRows(range(16), 2, 8, 2, 2, 2, 2, 2, 2, 1, 0)).toEqual([range(8), range(8, 9)]);
  });

  it('pad 1 surrounds the image with zeros: a 2x2 image gives 3x3 windows', () => {
    expect(im2colRows([1, 2, 3, 4], 9, 4, 1, 1, 2, 2, 2, 2, 1, 1)).toEqual([
      [0, 0, 0, 1], [0, 0, 1, 2], [0, 0, 2, 0],
      [0, 1, 0, 3], [1, 2, 3, 4], [2, 0, 4, 0],
      [0, 3, 0, 0], [3, 4, 0, 0], [4, 0, 0, 0],
    ]);
  });

  it('stride 2 steps the window by two; out_h = (H + 2 pad - FH) / stride + 1 is floored like the book\'s //', () => {
    expect(im2colRows(range(16), 4, 4, 1, 1, 4, 4, 2, 2, 2, 0)).toEqual([[1, 2, 5, 6], [3, 4, 7, 8], [9, 10, 13, 14], [11, 12, 15, 16]]);
    // (3 - 2) // 2 + 1 = 1: the last row and column are never under the window.
    expect(im2colRows(range(9), 1, 4, 1, 1, 3, 3, 2, 2, 2, 0)).toEqual([[1, 2, 4, 5]]);
  });

  it('refuses a window larger than the padded image and a zero stride', () => {
    expect(() => b.im2col(new Float64Array(4), new Float64Array(9), 1, 1, 2, 2, 3, 3, 1, 0)).toThrow(/3x3 window does not fit a 2x2 image padded by 0/);
    expect(() => b.im2col(new Float64Array(4), new Float64Array(4), 1, 1, 2, 2, 2, 2, 0, 0)).toThrow(/stride 0 must be at least 1/);
  });
});

describe('col2im: im2col\'s adjoint', () => {
  it('adds overlapping patches: all-ones windows count how many windows cover each pixel', () => {
    const dx = new Float64Array(9).fill(NaN);
    b.col2im(new Float64Array(16).fill(1), dx, 1, 1, 3, 3, 2, 2, 1, 0);
    expect(Array.from(dx)).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1]);
  });

  it('cuts the padding off: the 3x3 windows of a padded 2x2 image cover each pixel 4 times', () => {
    const col = new Float64Array(36);
    b.im2col(Float64Array.from([1, 2, 3, 4]), col, 1, 1, 2, 2, 2, 2, 1, 1);
    const dx = new Float64Array(4);
    b.col2im(col, dx, 1, 1, 2, 2, 2, 2, 1, 1);
    expect(Array.from(dx)).toEqual([4, 8, 12, 16]);
  });

  it('<im2col(x), c> = <x, col2im(c)> for random geometries, float32 and float64', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 40; trial++) {
      const [n, c, h, w] = [1 + rng.integer(2), 1 + rng.integer(3), 1 + rng.integer(6), 1 + rng.integer(6)];
      const pad = rng.integer(3);
      const [fh, fw] = [1 + rng.integer(h + 2 * pad), 1 + rng.integer(w + 2 * pad)];
      const stride = 1 + rng.integer(3);
      const window: WindowArgs = [n, c, h, w, fh, fw, stride, pad];
      const rows = n * (Math.floor((h + 2 * pad - fh) / stride) + 1) * (Math.floor((w + 2 * pad - fw) / stride) + 1);
      const x = Float64Array.from({ length: n * c * h * w }, () => rng.normal());
      const cotangent = Float64Array.from({ length: rows * c * fh * fw }, () => rng.normal());
      const col = new Float64Array(cotangent.length);
      b.im2col(x, col, ...window);
      const dx = new Float64Array(x.length);
      b.col2im(cotangent, dx, ...window);
      const left = col.reduce((s, v, i) => s + v * cotangent[i], 0);
      const right = x.reduce((s, v, i) => s + v * dx[i], 0);
      // Both sides sum the same products in another order: float64 rounding, far below 1e-12 of their size.
      expect(Math.abs(left - right), JSON.stringify(window)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(left)));
      const col32 = new Float32Array(col.length);
      b.im2col(Float32Array.from(x), col32, ...window);
      expect(Array.from(col32)).toEqual(Array.from(Float32Array.from(col)));
    }
  });
});

describe('max pooling (the book\'s Pooling)', () => {
  it('the first maximum of a window wins ties, and backward sends the gradient there only', () => {
    // Two 2x2 windows of [[1, 3, 3, 0], [3, 2, 1, 3]]: the maxima 3 tie inside each.
    const x = Float64Array.from([1, 3, 3, 0, 3, 2, 1, 3]);
    const out = new Float64Array(2);
    const argmax = new Int32Array(2);
    b.maxPoolForward(x, out, argmax, 1, 1, 2, 4, 2, 2, 2, 0);
    expect(Array.from(out)).toEqual([3, 3]);
    expect(Array.from(argmax)).toEqual([1, 0]);
    const dx = new Float64Array(8).fill(NaN);
    b.maxPoolBackward(Float64Array.from([10, 20]), argmax, dx, 1, 1, 2, 4, 2, 2, 2, 0);
    expect(Array.from(dx)).toEqual([0, 10, 20, 0, 0, 0, 0, 0]);
  });

  it('overlapping windows (stride 1) that share their maximum add their gradients there', () => {
    const x = Float64Array.from([1, 5, 1, 0, 0, 0]);
    const out = new Float64Array(2);
    const argmax = new Int32Array(2);
    b.maxPoolForward(x, out, argmax, 1, 1, 2, 3, 2, 2, 1, 0);
    expect(Array.from(argmax)).toEqual([1, 0]);
    const dx = new Float64Array(6);
    b.maxPoolBackward(Float64Array.from([2, 3]), argmax, dx, 1, 1, 2, 3, 2, 2, 1, 0);
    expect(Array.from(dx)).toEqual([0, 5, 0, 0, 0, 0]);
  });

  it('keeps channels and images apart: each (n, c) plane is pooled on its own', () => {
    const x = Float64Array.from(range(16));
    const out = new Float64Array(4);
    const argmax = new Int32Array(4);
    b.maxPoolForward(x, out, argmax, 2, 2, 2, 2, 2, 2, 2, 0);
    expect(Array.from(out)).toEqual([4, 8, 12, 16]);
    expect(Array.from(argmax)).toEqual([3, 3, 3, 3]);
  });

  it('padding counts as 0, as in the book\'s im2col: a negative image pools to 0 and gets no gradient', () => {
    const out = new Float64Array(4);
    const argmax = new Int32Array(4);
    b.maxPoolForward(Float64Array.from([-2]), out, argmax, 1, 1, 1, 1, 2, 2, 1, 1);
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
    // The last window starts on the pixel (-2) itself: its first maximum is the padding right of it.
    expect(Array.from(argmax)).toEqual([0, 0, 0, 1]);
    const dx = Float64Array.from([NaN]);
    b.maxPoolBackward(Float64Array.from([1, 1, 1, 1]), argmax, dx, 1, 1, 1, 1, 2, 2, 1, 1);
    expect(Array.from(dx)).toEqual([0]);
  });

  it('refuses an argmax outside its window', () => {
    expect(() => b.maxPoolBackward(new Float64Array(1), Int32Array.from([4]), new Float64Array(4), 1, 1, 2, 2, 2, 2, 2, 0)).toThrow(/argmax\[0\] = 4 is outside the 2x2 window/);
  });
});

describe('the convolution passes: the book\'s im2col route (TypeScript backend) against the definition', () => {
  it('hand-computed: a 3x3 image, one 2x2 filter [1, 0; 0, -1] and bias 10 give 10 + x[i, j] - x[i+1, j+1]; backward adds dout where each weight read', () => {
    const x = Float64Array.from(range(9));
    const w = Float64Array.of(1, 0, 0, -1);
    const out = new Float64Array(4);
    b.convForward(x, w, Float64Array.of(10), out, 1, 1, 1, 3, 3, 2, 2, 1, 0);
    expect(Array.from(out)).toEqual([6, 6, 6, 6]);
    const dout = Float64Array.of(1, 0, 0, 2);
    const [dw, db, dx] = [new Float64Array(4), new Float64Array(1), new Float64Array(9)];
    b.convBackwardFilters(x, dout, dw, db, 1, 1, 1, 3, 3, 2, 2, 1, 0);
    // dW[ky, kx] = 1 * x[ky, kx] + 2 * x[1 + ky, 1 + kx]
    expect(Array.from(dw)).toEqual([1 + 2 * 5, 2 + 2 * 6, 4 + 2 * 8, 5 + 2 * 9]);
    expect(Array.from(db)).toEqual([3]);
    b.convBackwardInput(dout, w, dx, 1, 1, 1, 3, 3, 2, 2, 1, 0);
    expect(Array.from(dx)).toEqual([1, 0, 0, 0, 2 - 1, 0, 0, 0, -2]);
  });

  it('equals the term-by-term definition on random windows (padding, stride, channels, several filters), float64', () => {
    const rng = new Rng(5);
    for (let trial = 0; trial < 30; trial++) {
      const [n, c, h, w] = [1 + rng.integer(3), 1 + rng.integer(3), 2 + rng.integer(8), 2 + rng.integer(8)];
      const pad = rng.integer(3);
      const window: WindowArgs = [n, c, h, w, 1 + rng.integer(Math.min(h + 2 * pad, 4)), 1 + rng.integer(Math.min(w + 2 * pad, 4)), 1 + rng.integer(3), pad];
      const [, , , , fh, fw, stride] = window;
      const filters = 1 + rng.integer(4);
      const planes = n * filters * (Math.floor((h + 2 * pad - fh) / stride) + 1) * (Math.floor((w + 2 * pad - fw) / stride) + 1);
      const random = (size: number): Float64Array => Float64Array.from({ length: size }, () => rng.uniform() * 2 - 1);
      const [x, W, bias, dout] = [random(n * c * h * w), random(filters * c * fh * fw), random(filters), random(planes)];
      const run = (k: typeof convDefinition) => {
        const [out, dW, db, dx] = [new Float64Array(planes), new Float64Array(W.length), new Float64Array(filters), new Float64Array(x.length)];
        k.convForward(x, W, bias, out, filters, ...window);
        k.convBackwardFilters(x, dout, dW, db, filters, ...window);
        k.convBackwardInput(dout, W, dx, filters, ...window);
        return [out, dW, db, dx].map((a) => Array.from(a));
      };
      const [ours, definition] = [run(b), run(convDefinition)];
      // Sums of at most a few hundred terms below 1 in magnitude: float64 rounding stays far below 1e-12.
      ours.forEach((values, i) => values.forEach((v, j) => expect(Math.abs(v - definition[i][j]), `${JSON.stringify(window)} output ${i} [${j}]`).toBeLessThan(1e-12)));
    }
  });
});

describe('transposeBatch', () => {
  it('transposes each matrix of the batch: out[b, j, i] = x[b, i, j]', () => {
    const out = new Float64Array(12);
    b.transposeBatch(Float64Array.from(range(12)), out, 2, 2, 3);
    expect(Array.from(out)).toEqual([1, 4, 2, 5, 3, 6, 7, 10, 8, 11, 9, 12]);
  });
});

describe('the named conv operations of TensorOps check shapes first, naming them', () => {
  const ops = new TensorOps(b);
  const window = { height: 2, width: 2, stride: 1, pad: 0 };

  it('im2col, col2im and max pooling need (N, C, H, W) images and outputs of the implied shapes', () => {
    expect(() => ops.im2col(Tensor.zeros([2, 9], 'float64'), window, Tensor.zeros([8, 4], 'float64'))).toThrow('im2col: images need (N, C, H, W); got images (2, 9)');
    expect(() => ops.im2col(Tensor.zeros([2, 1, 3, 3], 'float64'), window, Tensor.zeros([8, 3], 'float64'))).toThrow('im2col: col needs (N*out_h*out_w, C*FH*FW) = (8, 4); got x (2, 1, 3, 3), col (8, 3)');
    expect(() => ops.col2im(Tensor.zeros([8, 4], 'float64'), { ...window, height: 4 }, Tensor.zeros([2, 1, 3, 3], 'float64'))).toThrow('col2im: a 4x2 window does not fit (2, 1, 3, 3) images padded by 0');
    expect(() => ops.im2col(Tensor.zeros([2, 1, 3, 3], 'float64'), { ...window, stride: 0 }, Tensor.zeros([8, 4], 'float64'))).toThrow('im2col: a 2x2 window with stride 0 and pad 0 needs whole numbers, at least 1 (pad at least 0)');
    expect(() => ops.maxPoolForward(Tensor.zeros([1, 2, 3, 3], 'float64'), window, Tensor.zeros([1, 2, 2, 2], 'float64'), new Int32Array(7))).toThrow(
      'maxPoolForward: out and argmax need (N, C, out_h, out_w), 8 values; got x (1, 2, 3, 3), out (1, 2, 2, 2), argmax (7)',
    );
    expect(() => ops.maxPoolBackward(Tensor.zeros([1, 2, 2, 1], 'float64'), new Int32Array(8), window, Tensor.zeros([1, 2, 3, 3], 'float64'))).toThrow(
      "maxPoolBackward: dout and argmax need the forward's (N, C, out_h, out_w), 8 values; got dout (1, 2, 2, 1), argmax (8), dx (1, 2, 3, 3)",
    );
  });

  it('channelsFirst and channelsLast move between rows (N*H*W, C) and images (N, C, H, W)', () => {
    const rows = Tensor.from(range(12), [6, 2], 'float64');
    const images = Tensor.zeros([2, 2, 3, 1], 'float64');
    ops.channelsFirst(rows, images);
    expect(Array.from(images.data)).toEqual([1, 3, 5, 2, 4, 6, 7, 9, 11, 8, 10, 12]);
    const back = Tensor.zeros([6, 2], 'float64');
    ops.channelsLast(images, back);
    expect(Array.from(back.data)).toEqual(range(12));
    expect(() => ops.channelsFirst(Tensor.zeros([6, 3], 'float64'), images)).toThrow('channelsFirst: rows (N*H*W, C) become images (N, C, H, W); got rows (6, 3), images (2, 2, 3, 1)');
  });
});
