import { describe, expect, it } from 'vitest';
import { createTsBackend } from '../backends/ts-backend';
import { Tensor } from '../tensor';
import { Relu, Sigmoid } from './activation-layers';

const backend = createTsBackend();

describe('Relu', () => {
  it('masks x <= 0 in forward and backward (gradient 0 at exactly 0)', () => {
    const relu = new Relu(backend);
    const x = Tensor.from([1.0, -0.5, -2.0, 3.0, 0, 1e-30], [3, 2], 'float32');
    const y = relu.forward(x);
    expect(Array.from(y.data)).toEqual([1, 0, 0, 3, 0, Math.fround(1e-30)]);
    expect(Array.from(relu.lastMask)).toEqual([1, 0, 0, 1, 0, 1]);
    const dx = relu.backward(Tensor.from([10, 20, 30, 40, 50, 60], [3, 2], 'float32'));
    expect(Array.from(dx.data)).toEqual([10, 0, 0, 40, 0, 60]);
    expect(dx.shape).toEqual([3, 2]);
    // forward does not modify its input
    expect(x.data[1]).toBe(-0.5);
  });
});

describe('Sigmoid', () => {
  it('is finite and saturates correctly for large |x| in float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const sigmoid = new Sigmoid(backend);
      const y = sigmoid.forward(Tensor.from([-1000, -100, -40, 0, 40, 100, 1000], [7], dtype));
      expect(Array.from(y.data).every(Number.isFinite)).toBe(true);
      expect(y.data[0]).toBe(0);
      expect(y.data[3]).toBe(0.5);
      expect(y.data[6]).toBe(1);
      expect(y.data[2]).toBeGreaterThan(0); // e^-40 ~ 4e-18 is representable in both dtypes
      const dx = sigmoid.backward(Tensor.from([1, 1, 1, 1, 1, 1, 1], [7], dtype));
      expect(dx.data[3]).toBe(0.25);
      expect(Array.from(dx.data).every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    }
  });
});
