import { describe, expect, it } from 'vitest';
import { createTsBackend } from '../backends/ts-backend';
import { numericalGradient } from '../gradient';
import { TensorOps } from '../ops';
import { Rng } from '../rng';
import { Tensor } from '../tensor';
import { Convolution } from './convolution';

const ops = new TensorOps(createTsBackend());

/** sum(a * b) over every entry. */
function dot(a: Tensor, b: Tensor): number {
  let sum = 0;
  for (let i = 0; i < a.size; i++) sum += a.data[i] * b.data[i];
  return sum;
}

function random(shape: number[], rng: Rng): Tensor {
  const t = Tensor.zeros(shape, 'float64');
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal();
  return t;
}

/** The convolution by its definition: out[n, f, i, j] = b[f] + sum over c, ky, kx of W[f, c, ky, kx] * x_padded[n, c, i * stride + ky, j * stride + kx]. */
function directConvolution(x: Tensor, W: Tensor, b: Tensor, stride: number, pad: number): number[] {
  const [n, c, h, w] = x.shape;
  const [fn, , fh, fw] = W.shape;
  const outH = Math.floor((h + 2 * pad - fh) / stride) + 1;
  const outW = Math.floor((w + 2 * pad - fw) / stride) + 1;
  const out: number[] = [];
  for (let s = 0; s < n; s++) {
    for (let f = 0; f < fn; f++) {
      for (let i = 0; i < outH; i++) {
        for (let j = 0; j < outW; j++) {
          let sum = b.data[f];
          for (let ch = 0; ch < c; ch++) {
            for (let ky = 0; ky < fh; ky++) {
              for (let kx = 0; kx < fw; kx++) {
                const y = i * stride + ky - pad;
                const xx = j * stride + kx - pad;
                if (y >= 0 && y < h && xx >= 0 && xx < w) sum += W.data[((f * c + ch) * fh + ky) * fw + kx] * x.data[((s * c + ch) * h + y) * w + xx];
              }
            }
          }
          out.push(sum);
        }
      }
    }
  }
  return out;
}

describe('Convolution (the book\'s common/layers.py)', () => {
  it('computes each filter over each window, channels first: (N, FN, out_h, out_w)', () => {
    // Filter 0 adds the window's diagonal, filter 1 picks its bottom-right pixel; biases 0 and 100.
    const W = Tensor.from([1, 0, 0, 1, 0, 0, 0, 1], [2, 1, 2, 2], 'float64');
    const conv = new Convolution(W, Tensor.from([0, 100], [2], 'float64'), ops, { stride: 1, pad: 0 });
    const out = conv.forward(Tensor.from([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3], 'float64'));
    expect(out.shape).toEqual([1, 2, 2, 2]);
    expect(Array.from(out.data)).toEqual([6, 8, 12, 14, 105, 106, 108, 109]);
  });

  it('matches the convolution by its definition with channels, padding and stride', () => {
    const rng = new Rng(3);
    for (const [stride, pad] of [[1, 0], [2, 1], [1, 2], [3, 1]]) {
      const x = random([2, 3, 7, 6], rng);
      const W = random([4, 3, 3, 2], rng);
      const b = random([4], rng);
      const out = new Convolution(W, b, ops, { stride, pad }).forward(x);
      const expected = directConvolution(x, W, b, stride, pad);
      expect(out.size).toBe(expected.length);
      // Two sums of the same 18 products in another order: a few float64 ulps of values of order 10.
      out.data.forEach((v, i) => expect(Math.abs(v - expected[i]), `stride ${stride} pad ${pad} [${i}]`).toBeLessThanOrEqual(1e-12));
    }
  });

  it('dx, dW and db match central differences of sum(dout * out) in float64', () => {
    const rng = new Rng(11);
    const x = random([2, 2, 5, 5], rng);
    const W = random([3, 2, 3, 3], rng);
    const b = random([3], rng);
    const conv = new Convolution(W, b, ops, { stride: 2, pad: 1 });
    const dout = random([2, 3, 3, 3], rng);
    const objective = (): number => dot(conv.forward(x), dout);
    const numerical = { W: numericalGradient(objective, W), b: numericalGradient(objective, b), x: numericalGradient(objective, x) };
    conv.forward(x);
    const dx = conv.backward(dout);
    expect(dx.shape).toEqual([2, 2, 5, 5]);
    // The objective is linear in W, b and x, so central differences have no truncation error: only float64
    // rounding of ~100 terms of order 10, divided by 2h = 2e-4, remains (about 1e-10).
    for (const [name, backprop, numeric] of [['dW', conv.dW, numerical.W], ['db', conv.db, numerical.b], ['dx', dx, numerical.x]] as const) {
      backprop.data.forEach((v, i) => expect(Math.abs(v - numeric.data[i]), `${name}[${i}]`).toBeLessThanOrEqual(1e-8));
    }
    // db is dout summed over N, out_h and out_w.
    for (let f = 0; f < 3; f++) {
      let sum = 0;
      for (let s = 0; s < 2; s++) for (let p = 0; p < 9; p++) sum += dout.data[(s * 3 + f) * 9 + p];
      expect(conv.db.data[f]).toBeCloseTo(sum, 12);
    }
  });

  it('skips dx when it is not needed (the first layer), still filling dW and db', () => {
    const rng = new Rng(5);
    const conv = new Convolution(random([2, 1, 3, 3], rng), random([2], rng), ops, { stride: 1, pad: 1, computeInputGradient: false });
    conv.forward(random([2, 1, 4, 4], rng));
    const dx = conv.backward(random([2, 2, 4, 4], rng));
    expect(dx.size).toBe(0);
    expect(conv.dW.data.some((v) => v !== 0)).toBe(true);
  });

  it('refuses input that is not (N, C, H, W) with its C, and windows that do not fit, naming the shapes', () => {
    const rng = new Rng(1);
    const conv = new Convolution(random([2, 3, 3, 3], rng), random([2], rng), ops, { stride: 1, pad: 0, name: 'Conv1' });
    expect(() => conv.forward(random([2, 27], rng))).toThrow('Conv1: x (2, 27) is not a batch of 3-channel images (N, 3, H, W)');
    expect(() => conv.forward(random([1, 3, 2, 5], rng))).toThrow('Conv1: a 3x3 window does not fit (1, 3, 2, 5) images padded by 0');
    expect(() => new Convolution(random([2, 3, 3, 3], rng), random([3], rng), ops, { stride: 1, pad: 0 })).toThrow('Convolution: W (2, 3, 3, 3) and b (3) do not fit');
  });
});
