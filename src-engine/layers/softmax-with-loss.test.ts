import { describe, expect, it } from 'vitest';
import { createTsBackend } from '../backends/ts-backend';
import { TensorOps } from '../ops';
import { Tensor } from '../tensor';
import { SoftmaxWithLoss } from './softmax-with-loss';

const ops = new TensorOps(createTsBackend());

describe('SoftmaxWithLoss', () => {
  it('takes the softmax per row: each row is independent of the others', () => {
    const layer = new SoftmaxWithLoss(ops);
    const rowA = [0.3, 2.9, 4.0];
    layer.forward(Tensor.from([...rowA, 1000, 1001, 1002], [2, 3], 'float64'), new Int32Array([0, 1]));
    const batch = layer.output!.clone();
    layer.forward(Tensor.from(rowA, [1, 3], 'float64'), new Int32Array([0]));
    const alone = layer.output!.clone();
    for (let j = 0; j < 3; j++) expect(batch.data[j]).toBeCloseTo(alone.data[j], 15);
    // A whole-batch max would underflow the first row to all zeros; per-row max keeps it a distribution.
    expect(batch.data[0] + batch.data[1] + batch.data[2]).toBeCloseTo(1, 15);
    expect(batch.data[3] + batch.data[4] + batch.data[5]).toBeCloseTo(1, 15);
    expect(batch.data[2]).toBeCloseTo(Math.exp(4) / (Math.exp(0.3) + Math.exp(2.9) + Math.exp(4)), 15);
  });

  it('gives the book\'s loss with 1e-7 inside the log, equal for one-hot and label targets', () => {
    const scores = Tensor.from([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0], [1, 10], 'float64');
    const labels = new SoftmaxWithLoss(ops);
    const oneHot = new SoftmaxWithLoss(ops);
    const t = Tensor.zeros([1, 10], 'float64');
    t.data[2] = 1;
    const a = labels.forward(scores, new Int32Array([2]));
    const b = oneHot.forward(scores, t);
    const y2 = labels.output!.data[2];
    expect(a).toBe(-Math.log(y2 + 1e-7));
    expect(b).toBe(a);
    const da = labels.backward();
    const db = oneHot.backward();
    for (let j = 0; j < 10; j++) expect(db.data[j]).toBeCloseTo(da.data[j], 16);
  });

  it('backward is (y - t) / N and a 1-D score vector counts as one sample', () => {
    const layer = new SoftmaxWithLoss(ops, { delta: 0 });
    const x = Tensor.from([1, 2, 3, 4, 1, 0], [2, 3], 'float64');
    const loss = layer.forward(x, new Int32Array([2, 0]));
    const y = layer.output!.clone();
    expect(loss).toBeCloseTo(-(Math.log(y.data[2]) + Math.log(y.data[3])) / 2, 15);
    const dx = layer.backward();
    expect(dx.data[2]).toBeCloseTo((y.data[2] - 1) / 2, 16);
    expect(dx.data[1]).toBeCloseTo(y.data[1] / 2, 16);
    const single = new SoftmaxWithLoss(ops);
    expect(single.forward(Tensor.from([1, 2, 3], [3], 'float64'), new Int32Array([2]))).toBeGreaterThan(0);
    expect(() => single.forward(x, new Int32Array([7, 0]))).toThrow(/label 7 at row 0 is outside \[0, 3\)/);
  });
});
