import { describe, expect, it } from 'vitest';
import { simpleConvNet } from '../../src-engine/networks/layer-list-spec';
import { filterGrid, initialConvWeights } from './filter-grid';

describe('filterGrid', () => {
  it('normalises each filter from its min (black) to its max (white), channel by channel', () => {
    // Two filters of 2 channels, 1x3: filter 0 channel 0 = [-1, 0, 1], channel 1 = [5, 5, 5]; filter 1 channel 0 = [2, 4, 3].
    const data = [-1, 0, 1, 5, 5, 5, 2, 4, 3, 0, 0, 9];
    const grid = filterGrid({ data, shape: [2, 2, 1, 3] });
    expect([grid.columns, grid.rows, grid.height, grid.width]).toEqual([2, 1, 1, 3]);
    expect(grid.images.map((image) => [...image.pixels])).toEqual([
      [0, 128, 255],
      [0, 255, 128],
    ]);
    expect(grid.images.map((image) => [image.min, image.max])).toEqual([[-1, 1], [2, 4]]);
    // Channel 1: filter 0 is constant (mid grey), filter 1 is [0, 0, 9].
    expect(filterGrid({ data, shape: [2, 2, 1, 3] }, 1).images.map((image) => [...image.pixels])).toEqual([[128, 128, 128], [0, 0, 255]]);
  });

  it('lays the filters out 8 to a row, as the book does', () => {
    const grid = filterGrid({ data: new Float32Array(30 * 25), shape: [30, 1, 5, 5] });
    expect([grid.columns, grid.rows, grid.images.length]).toEqual([8, 4, 30]);
  });

  it('refuses weights that do not match the shape, or a channel it does not have', () => {
    expect(() => filterGrid({ data: [1, 2, 3], shape: [1, 1, 2, 2] })).toThrow('filterGrid: 3 weights, the shape (1, 1, 2, 2) holds 4');
    expect(() => filterGrid({ data: [1, 2, 3, 4], shape: [1, 1, 2, 2] }, 1)).toThrow('filterGrid: channel 1, the filters have 1');
  });
});

describe('initialConvWeights', () => {
  it("draws the first conv layer's weights from the seed, the same every time", () => {
    const first = initialConvWeights(simpleConvNet(), 7, 'float32')!;
    expect(first.shape).toEqual([30, 1, 5, 5]);
    expect(Array.from(initialConvWeights(simpleConvNet(), 7, 'float32')!.data)).toEqual(Array.from(first.data));
    expect(Array.from(initialConvWeights(simpleConvNet(), 8, 'float32')!.data)).not.toEqual(Array.from(first.data));
    // 750 draws of 0.01 * randn: their std within 10% of 0.01 (the std of a 750-sample std is about 2.6%).
    const values = Array.from(first.data);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    expect(std).toBeGreaterThan(0.009);
    expect(std).toBeLessThan(0.011);
  });

  it('has no filters for a list whose first weights are an affine', () => {
    expect(initialConvWeights({ ...simpleConvNet(), layers: [{ type: 'affine', units: 10 }] }, 1, 'float32')).toBeUndefined();
  });
});
