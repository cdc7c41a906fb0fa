/**
 * Exponential moving average of a loss curve, bias-corrected like TensorBoard's so the first points are not
 * dragged towards zero. `weight` 0 returns the raw curve; gaps (null) stay gaps and do not reset the average.
 */
export function smoothCurve(values: ReadonlyArray<number | null>, weight: number): Array<number | null> {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smoothing weight must be in [0, 1), got ${weight}`);
  const out: Array<number | null> = new Array(values.length);
  let average = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined || !Number.isFinite(value)) {
      out[i] = null;
      continue;
    }
    average = average * weight + (1 - weight) * value;
    count++;
    out[i] = weight === 0 ? value : average / (1 - weight ** count);
  }
  return out;
}
