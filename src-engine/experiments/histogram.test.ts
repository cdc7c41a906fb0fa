import { describe, expect, it } from 'vitest';
import { histogram } from './histogram';

describe('histogram', () => {
  it('bins like numpy: left edges inclusive, the right end in the last bin, out-of-range values counted apart', () => {
    const h = histogram([0, 0.1, 0.5, 0.99, 1, 1.5, -0.2], 2, [0, 1]);
    expect(h.counts).toEqual([2, 3]);
    expect(h.edges).toEqual([0, 0.5, 1]);
    expect([h.below, h.above]).toEqual([1, 1]);
  });

  it("puts a value on a rounded edge where numpy's linspace edges put it", () => {
    // linspace(0, 1, 11)[3] is 3 * 0.1 = 0.30000000000000004, so numpy bins 0.3 into bin 2, not bin 3.
    const h = histogram([0.3, 0.7], 10, [0, 1]);
    expect(h.counts.indexOf(1)).toBe(2);
    expect(h.edges[3]).toBe(0.30000000000000004);
    expect(h.counts.lastIndexOf(1)).toBe(6);
  });

  it('gives the mean and population std of every value, in range or not, and counts NaN outside', () => {
    const h = histogram([-1, 1, 3, 5], 4, [0, 4]);
    expect(h.mean).toBe(2);
    expect(h.std).toBe(Math.sqrt(5));
    expect(histogram([Number.NaN, 0.5], 1, [0, 1]).above).toBe(1);
  });

  it('refuses a bin count or range it cannot draw', () => {
    expect(() => histogram([1], 0, [0, 1])).toThrow(/1 to 1000 bins, got 0/);
    expect(() => histogram([1], 5, [1, 1])).toThrow(/low before high/);
  });
});
