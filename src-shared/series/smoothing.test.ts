import { describe, expect, it } from 'vitest';
import { smoothCurve, Smoother } from './smoothing';

describe('smoothCurve', () => {
  it('returns the raw curve for weight 0', () => {
    expect(smoothCurve([3, 1, 2], 0)).toEqual([3, 1, 2]);
  });

  it('is bias-corrected: a constant curve stays constant from the first point', () => {
    const smoothed = smoothCurve([2, 2, 2, 2], 0.9);
    expect(smoothed).toHaveLength(4);
    for (const v of smoothed) expect(v).toBeCloseTo(2, 12);
  });

  it('follows the exponential average', () => {
    const [a, b] = smoothCurve([1, 3], 0.5);
    expect(a).toBeCloseTo(1, 12);
    // (0.5*0.5*1 + 0.5*3) / (1 - 0.25) = 1.75 / 0.75
    expect(b).toBeCloseTo(1.75 / 0.75, 12);
  });

  it('keeps gaps and refuses weights outside [0, 1)', () => {
    expect(smoothCurve([1, null, 1], 0.5)[1]).toBeNull();
    expect(() => smoothCurve([1], 1)).toThrow(RangeError);
  });
});

describe('Smoother', () => {
  it('one value at a time equals smoothCurve over the whole array', () => {
    const values = [5, 4, null, 3.5, Number.NaN, 2, 2.5, 1, 1.2, 0.9];
    const smoother = new Smoother(0.8);
    const reference = smoothCurve(values, 0.8);
    expect(values.map((v) => smoother.next(v))).toEqual(reference);
  });
});
