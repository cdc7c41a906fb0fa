/** How much of the grey input shows under the heatmap: dimmed, so the colours read over white ink too. */
const BACKDROP = 0.35;

/** The symmetric scale of a gradient: the largest |value| (0 for an all-zero or empty gradient). */
export function symmetricScale(gradient: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < gradient.length; i++) if (Number.isFinite(gradient[i]) && Math.abs(gradient[i]!) > max) max = Math.abs(gradient[i]!);
  return max;
}

/**
 * RGBA pixels of the heatmap over the input: each pixel is the dimmed grey input, blended towards red where
 * the gradient is positive and blue where it is negative, by |value| / (largest |value|), so equal magnitudes
 * get equal strength whatever their sign. Values that are not finite, or a gradient of zeros, leave the grey.
 */
export function saliencyPixels(input: ArrayLike<number>, gradient: ArrayLike<number>): Uint8ClampedArray {
  if (input.length !== gradient.length) throw new RangeError(`saliencyPixels: ${input.length} input values but ${gradient.length} gradient values`);
  const scale = symmetricScale(gradient);
  const out = new Uint8ClampedArray(gradient.length * 4);
  for (let i = 0; i < gradient.length; i++) {
    const raw = input[i]!;
    const grey = 255 * BACKDROP * (Number.isFinite(raw) ? Math.min(Math.max(raw, 0), 1) : 0);
    const g = gradient[i]!;
    const t = scale > 0 && Number.isFinite(g) ? g / scale : 0;
    const a = Math.abs(t);
    out[i * 4] = Math.round(grey * (1 - a) + (t > 0 ? 255 * a : 0));
    out[i * 4 + 1] = Math.round(grey * (1 - a));
    out[i * 4 + 2] = Math.round(grey * (1 - a) + (t < 0 ? 255 * a : 0));
    out[i * 4 + 3] = 255;
  }
  return out;
}
