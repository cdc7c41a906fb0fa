import { describe, expect, it } from 'vitest';
import { createTsBackend } from '../backends/ts-backend';
import { TensorOps } from '../ops';
import { Tensor } from '../tensor';
import { Sigmoid } from './sigmoid';

const ops = new TensorOps(createTsBackend());

describe('Sigmoid', () => {
  it('is finite and saturates correctly for large |x| in float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const sigmoid = new Sigmoid(ops);
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
