import { describe, expect, it } from 'vitest';
import { channelLayout, flatLayout, layoutPixels, unitName } from './cell-layout';

describe('cell layouts', () => {
  it('lays a flat layer out in unit order, the rest of the last row empty', () => {
    const layout = flatLayout(5);
    expect([layout.cols, layout.rows, layout.rowStep]).toEqual([4, 2, 4]);
    expect([...layout.units]).toEqual([0, 1, 2, 3, 4, -1, -1, -1]);
    expect(unitName(3, layout)).toBe('unit 3');
  });

  it('draws each channel of an image output as its own map, a cell apart', () => {
    // 3 channels of 2x2: maps in a 2x2 grid (the fourth place empty): 5 x 5 cells.
    const layout = channelLayout([3, 2, 2], 12);
    expect([layout.cols, layout.rows, layout.rowStep]).toEqual([5, 5, 2]);
    expect([...layout.units]).toEqual([
      0, 1, -1, 4, 5,
      2, 3, -1, 6, 7,
      -1, -1, -1, -1, -1,
      8, 9, -1, -1, -1,
      10, 11, -1, -1, -1,
    ]);
    expect(layout.maps).toEqual({ channels: 3, shown: 3, height: 2, width: 2 });
    expect(unitName(7, layout)).toBe('channel 1 (row 1, column 1)');
  });

  it('draws only the channels the values cover', () => {
    // 30 maps of 24x24 = 17280 units; 4096 values hold 7 whole maps.
    expect(channelLayout([30, 24, 24], 4096).maps).toEqual({ channels: 30, shown: 7, height: 24, width: 24 });
    expect(channelLayout([2, 100, 100], 4096)).toMatchObject({ cols: 0, rows: 0, maps: { shown: 0 } });
  });

  it('colours the units and leaves the gaps transparent', () => {
    const pixels = layoutPixels([1, -1], { signed: true, extent: 1 }, channelLayout([2, 1, 1], 2));
    // Two 1x1 maps side by side with a gap: red, transparent, blue.
    expect([...pixels]).toEqual([235, 60, 50, 255, 0, 0, 0, 0, 60, 110, 240, 255]);
  });
});
