import { describe, expect, it } from 'vitest';
import { cellPixels, colourOf, colourScale, formatActivation, gridShape } from './activation-colors';

describe('a layer grid', () => {
  it('is about twice as wide as tall and holds every unit', () => {
    expect(gridShape(50)).toEqual({ cols: 10, rows: 5 });
    expect(gridShape(1000)).toEqual({ cols: 45, rows: 23 });
    expect(gridShape(4096)).toEqual({ cols: 91, rows: 46 });
    expect(gridShape(10)).toEqual({ cols: 5, rows: 2 });
    expect(gridShape(1)).toEqual({ cols: 1, rows: 1 });
    expect(gridShape(0)).toEqual({ cols: 0, rows: 0 });
  });
});

describe('activation colours', () => {
  it('scales sigmoid over (0, 1), ReLU up to its largest value and signed layers over ±max|value|', () => {
    expect(colourScale({ kind: 'Sigmoid', min: 0.2, max: 0.4 })).toEqual({ signed: false, extent: 1 });
    expect(colourScale({ kind: 'Relu', min: 0, max: 2.5 })).toEqual({ signed: false, extent: 2.5 });
    // A pooling of ReLU outputs reads like a ReLU; a pooling of signed values stays signed, like a conv.
    expect(colourScale({ kind: 'Pooling', min: 0, max: 3 })).toEqual({ signed: false, extent: 3 });
    expect(colourScale({ kind: 'Pooling', min: -4, max: 3 })).toEqual({ signed: true, extent: 4 });
    expect(colourScale({ kind: 'Convolution', min: -1, max: 2 })).toEqual({ signed: true, extent: 2 });
    expect(colourScale({ kind: 'Relu', min: 0, max: 0 })).toEqual({ signed: false, extent: 1 });
    expect(colourScale({ kind: 'Affine', min: -3, max: 2 })).toEqual({ signed: true, extent: 3 });
    expect(colourScale({ kind: 'BatchNorm', min: Number.NaN, max: 0.5 })).toEqual({ signed: true, extent: 0.5 });
  });

  it('goes from the background to red or blue for signed values, and black to pale yellow for unsigned ones', () => {
    const signed = { signed: true, extent: 2 };
    expect(colourOf(0, signed)).toEqual([24, 24, 28]);
    expect(colourOf(2, signed)).toEqual([235, 60, 50]);
    expect(colourOf(-5, signed)).toEqual([60, 110, 240]);
    expect(colourOf(1, signed)).toEqual([130, 42, 39]);
    const unsigned = { signed: false, extent: 1 };
    expect(colourOf(0, unsigned)).toEqual([0, 0, 0]);
    expect(colourOf(0.5, unsigned)).toEqual([230, 120, 20]);
    expect(colourOf(1, unsigned)).toEqual([255, 245, 170]);
    expect(colourOf(Number.NaN, unsigned)).toEqual([128, 128, 128]);
  });

  it('paints one opaque pixel per unit and leaves the rest of the last row transparent', () => {
    const pixels = cellPixels([0, 1, 0.5], { signed: false, extent: 1 }, 2, 2);
    expect(Array.from(pixels)).toEqual([0, 0, 0, 255, 255, 245, 170, 255, 230, 120, 20, 255, 0, 0, 0, 0]);
  });

  it('writes values with 4 significant digits, tiny and huge ones in exponent form', () => {
    expect([formatActivation(0), formatActivation(1.23456), formatActivation(-0.5), formatActivation(0.00012345), formatActivation(123456), formatActivation(Number.NaN)]).toEqual([
      '0',
      '1.235',
      '-0.5',
      '1.23e-4',
      '1.23e+5',
      'NaN',
    ]);
  });
});
