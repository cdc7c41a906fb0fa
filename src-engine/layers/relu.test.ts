import { describe, expect, it } from 'vitest';
import { createTsBackend } from '../backends/ts-backend';
import { TensorOps } from '../ops';
import { Tensor } from '../tensor';
import { Relu } from './relu';

const ops = new TensorOps(createTsBackend());

describe('Relu', () => {
  it('masks x <= 0 in forward and backward (gradient 0 at exactly 0)', () => {
    const relu = new Relu(ops);
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
