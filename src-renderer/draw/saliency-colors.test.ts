import { describe, expect, it } from 'vitest';
import { saliencyPixels, symmetricScale } from './saliency-colors';

const rgb = (pixels: Uint8ClampedArray, i: number): number[] => Array.from(pixels.subarray(i * 4, i * 4 + 3));

describe('saliency heatmap colours', () => {
  it('uses one symmetric scale: the largest |value|, whatever its sign', () => {
    expect(symmetricScale([0.1, -0.4, 0.2])).toBe(0.4);
    expect(symmetricScale([0, 0])).toBe(0);
    expect(symmetricScale([Number.NaN, -2])).toBe(2);
  });

  it('is full red at the largest positive value, full blue at the largest negative, half strength at half', () => {
    const pixels = saliencyPixels([0, 0, 0, 0], [2, -2, 1, -1]);
    expect(rgb(pixels, 0)).toEqual([255, 0, 0]);
    expect(rgb(pixels, 1)).toEqual([0, 0, 255]);
    expect(rgb(pixels, 2)).toEqual([128, 0, 0]);
    expect(rgb(pixels, 3)).toEqual([0, 0, 128]);
    expect(Array.from(pixels.filter((_, i) => i % 4 === 3))).toEqual([255, 255, 255, 255]);
  });

  it('shows the dimmed grey input where the gradient is zero, not finite, or zero everywhere', () => {
    expect(rgb(saliencyPixels([1, 0.5], [0, 4]), 0)).toEqual([89, 89, 89]);
    expect(rgb(saliencyPixels([1, 1], [Number.NaN, 1]), 0)).toEqual([89, 89, 89]);
    expect(rgb(saliencyPixels([1], [0]), 0)).toEqual([89, 89, 89]);
    // Half strength over white ink: half the grey plus half the colour.
    expect(rgb(saliencyPixels([1, 0], [-1, 2]), 0)).toEqual([45, 45, 172]);
  });

  it('refuses an input and a gradient of different sizes', () => {
    expect(() => saliencyPixels([0, 0], [1])).toThrow(/2 input values but 1 gradient values/);
  });
});
