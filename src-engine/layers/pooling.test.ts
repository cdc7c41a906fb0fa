import { describe, expect, it } from 'vitest';
import { createTsBackend } from '../backends/ts-backend';
import { numericalGradient } from '../gradient';
import { TensorOps } from '../ops';
import { Rng } from '../rng';
import { Tensor } from '../tensor';
import { Pooling } from './pooling';

const ops = new TensorOps(createTsBackend());

describe('Pooling (the book\'s max pooling)', () => {
  it('takes each window\'s maximum per channel, and backward sends dout to it', () => {
    const pool = new Pooling(ops, { height: 2, width: 2, stride: 2 });
    // Channel 0 is [[1, 2], [4, 3]], channel 1 [[8, 5], [6, 7]].
    const out = pool.forward(Tensor.from([1, 2, 4, 3, 8, 5, 6, 7], [1, 2, 2, 2], 'float64'));
    expect(out.shape).toEqual([1, 2, 1, 1]);
    expect(Array.from(out.data)).toEqual([4, 8]);
    const dx = pool.backward(Tensor.from([10, 20], [1, 2, 1, 1], 'float64'));
    expect(dx.shape).toEqual([1, 2, 2, 2]);
    expect(Array.from(dx.data)).toEqual([0, 0, 10, 0, 20, 0, 0, 0]);
  });

  it('dx matches central differences of sum(dout * out) in float64 (overlapping 3x3 windows, stride 2)', () => {
    const rng = new Rng(4);
    // Distinct values 0.01 apart: a perturbation of h = 1e-4 never changes which entry is a window's maximum,
    // where the objective is linear, so only float64 rounding remains.
    const values = Array.from({ length: 2 * 3 * 7 * 7 }, (_, i) => i * 0.01);
    for (let i = values.length - 1; i > 0; i--) {
      const j = rng.integer(i + 1);
      [values[i], values[j]] = [values[j], values[i]];
    }
    const x = Tensor.from(values, [2, 3, 7, 7], 'float64');
    const pool = new Pooling(ops, { height: 3, width: 3, stride: 2 });
    const dout = Tensor.from(Array.from({ length: 2 * 3 * 3 * 3 }, () => rng.normal()), [2, 3, 3, 3], 'float64');
    const objective = (): number => {
      const out = pool.forward(x);
      let sum = 0;
      for (let i = 0; i < out.size; i++) sum += out.data[i] * dout.data[i];
      return sum;
    };
    const numerical = numericalGradient(objective, x);
    pool.forward(x);
    const dx = pool.backward(dout);
    dx.data.forEach((v, i) => expect(Math.abs(v - numerical.data[i]), `dx[${i}]`).toBeLessThanOrEqual(1e-9));
  });

  it('refuses input that is not (N, C, H, W) and windows that do not fit, naming the shapes', () => {
    const pool = new Pooling(ops, { height: 2, width: 2, stride: 2, name: 'Pool1' });
    expect(() => pool.forward(Tensor.zeros([2, 8], 'float64'))).toThrow('Pool1: x (2, 8) is not a batch of images (N, C, H, W)');
    expect(() => pool.forward(Tensor.zeros([2, 3, 1, 4], 'float64'))).toThrow('Pool1: a 2x2 window does not fit (2, 3, 1, 4) images padded by 0');
  });
});
