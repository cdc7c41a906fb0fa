import { describe, expect, it } from 'vitest';
import { createTsBackend } from '../backends/ts-backend';
import { numericalGradient } from '../gradient';
import { Rng } from '../rng';
import { Tensor } from '../tensor';
import { Affine } from './affine';

const backend = createTsBackend();

function random(shape: number[], rng: Rng): Tensor {
  const t = Tensor.zeros(shape, 'float64');
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal();
  return t;
}

describe('Affine', () => {
  it('flattens N-D input to (N, -1), and dx gets the input shape back', () => {
    const rng = new Rng(1);
    const affine = new Affine(random([12, 5], rng), random([5], rng), backend);
    const x = random([4, 1, 3, 4], rng);
    const y = affine.forward(x);
    expect(y.shape).toEqual([4, 5]);
    const dx = affine.backward(Tensor.zeros([4, 5], 'float64'));
    expect(dx.shape).toEqual([4, 1, 3, 4]);
    expect(affine.dW.shape).toEqual([12, 5]);
    expect(affine.db.shape).toEqual([5]);
    expect(() => affine.forward(random([4, 11], rng))).toThrow(/\(4, 11\) does not flatten to \(N, 12\)/);
  });

  it('computes y = xW + b', () => {
    const W = Tensor.from([1, 2, 3, 4, 5, 6], [3, 2], 'float64');
    const b = Tensor.from([10, 20], [2], 'float64');
    const affine = new Affine(W, b, backend);
    const y = affine.forward(Tensor.from([1, 0, 2, 0, 1, 1], [2, 3], 'float64'));
    expect(Array.from(y.data)).toEqual([1 + 10 + 10, 2 + 12 + 20, 3 + 5 + 10, 4 + 6 + 20]);
  });

  it('dx, dW and db match central differences of sum(dout * y)', () => {
    const rng = new Rng(7);
    const W = random([6, 4], rng);
    const b = random([4], rng);
    const x = random([3, 6], rng);
    const dout = random([3, 4], rng);
    const affine = new Affine(W, b, backend);
    const objective = (): number => {
      const y = affine.forward(x);
      let s = 0;
      for (let i = 0; i < y.size; i++) s += y.data[i] * dout.data[i];
      return s;
    };
    const numW = numericalGradient(objective, W);
    const numB = numericalGradient(objective, b);
    const numX = numericalGradient(objective, x);
    affine.forward(x);
    const dx = affine.backward(dout).clone();
    // The objective is linear, so central differences are exact up to float64 rounding (~1e-12).
    for (const [analytic, numeric] of [[affine.dW, numW], [affine.db, numB], [dx, numX]] as const) {
      for (let i = 0; i < analytic.size; i++) expect(analytic.data[i]).toBeCloseTo(numeric.data[i], 9);
    }
  });

  it('shares W and b by reference, so in-place updates are seen', () => {
    const W = Tensor.from([1, 1], [1, 2], 'float64');
    const b = Tensor.from([0, 0], [2], 'float64');
    const affine = new Affine(W, b, backend);
    W.data[0] = 5;
    expect(affine.W).toBe(W);
    expect(Array.from(affine.forward(Tensor.from([2], [1, 1], 'float64')).data)).toEqual([10, 2]);
  });
});
