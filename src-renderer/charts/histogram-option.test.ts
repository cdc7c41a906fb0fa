import { describe, expect, it } from 'vitest';
import { histogram } from '../../src-engine/experiments/histogram';
import { histogramChartOption, sharedYMax } from './histogram-option';

describe('histogramChartOption', () => {
  const h = histogram([0.05, 0.05, 0.5, 0.95, 1], 10, [0, 1]);
  const option = histogramChartOption(h, 'layer 1', 4);

  it('draws one bar per bin with its count, named by its edges', () => {
    expect(option.series[0]!.data).toEqual([2, 0, 0, 0, 0, 1, 0, 0, 0, 2]);
    expect(option.xAxis.data[0]).toBe('0.00–0.10');
    expect(option.xAxis.data[9]).toBe('0.90–1.00');
    expect(option.series[0]!.name).toBe('layer 1');
  });

  it('labels only the ends of the range and keeps the shared y maximum', () => {
    expect([0, 1, 9].map((i) => option.xAxis.axisLabel.formatter('', i))).toEqual(['0', '', '1']);
    expect(histogramChartOption(histogram([7.31849], 3, [0, 7.31849]), 'relu', 1).xAxis.axisLabel.formatter('', 2)).toBe('7.32');
    expect(option.yAxis.max).toBe(4);
  });
});

describe('sharedYMax', () => {
  const layers = [histogram([0.1, 0.1, 0.1], 2, [0, 1]), histogram([0.9], 2, [0, 1])];
  it('is the tallest bar of all the panels rounded up to a half power of ten, or the cap when that is lower', () => {
    expect(sharedYMax([histogram(new Array<number>(36793).fill(0.5), 1, [0, 1])])).toBe(40000);
    expect(sharedYMax([histogram(new Array<number>(33356).fill(0.5), 1, [0, 1])], 7000)).toBe(7000);
    expect(sharedYMax(layers)).toBe(3);
    expect(sharedYMax(layers, 2)).toBe(2);
    expect(sharedYMax(layers, 7000)).toBe(3);
    expect(sharedYMax([histogram([], 2, [0, 1])])).toBe(1);
  });
});
