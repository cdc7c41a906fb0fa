import { describe, expect, it } from 'vitest';
import { weightTilesOf } from './weight-tiles';

describe('weightTilesOf', () => {
  it("makes an Affine's columns its tiles", () => {
    // W (3 inputs, 2 units) = [[1, 2], [3, 4], [5, 6]]: unit 0 reads 1, 3, 5.
    expect(weightTilesOf([3, 2], [1, 2, 3, 4, 5, 6], 36, 40)).toEqual({ data: [1, 3, 5, 2, 4, 6], units: 2, inputSize: 3, iteration: 40 });
    expect(weightTilesOf([3, 2], [1, 2, 3, 4, 5, 6], 1, null)).toEqual({ data: [1, 3, 5], units: 1, inputSize: 3, iteration: null });
  });

  it("makes a convolution's filters its tiles, with their shape", () => {
    // W (3 filters, 2 channels, 1x2): filter f's 4 weights are contiguous.
    const values = Array.from({ length: 12 }, (_, i) => i);
    expect(weightTilesOf([3, 2, 1, 2], values, 36, null)).toEqual({ data: values, units: 3, inputSize: 4, iteration: null, filterShape: [3, 2, 1, 2] });
    expect(weightTilesOf([3, 2, 1, 2], values, 2, 5)).toEqual({ data: values.slice(0, 8), units: 2, inputSize: 4, iteration: 5, filterShape: [2, 2, 1, 2] });
  });
});
