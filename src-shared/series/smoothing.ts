/**
 * Exponential moving average of a loss curve, bias-corrected like TensorBoard's so the first points are not
 * dragged towards zero. `weight` 0 gives the raw curve; gaps (null, NaN, ±Infinity) stay gaps and do not
 * reset the average.
 *
 * `Smoother` takes one value at a time, so a curve that grows (a live run, a file read line by line) is
 * smoothed as it arrives in O(1) per point; `smoothCurve` is the same over a whole array.
 */
export class Smoother {
  private average = 0;
  private count = 0;

  constructor(readonly weight: number) {
    if (!(weight >= 0 && weight < 1)) throw new RangeError(`smoothing weight must be in [0, 1), got ${weight}`);
  }

  /** The smoothed value at this point, or null for a gap. */
  next(value: number | null | undefined): number | null {
    if (value === null || value === undefined || !Number.isFinite(value)) return null;
    if (this.weight === 0) return value;
    this.average = this.average * this.weight + (1 - this.weight) * value;
    this.count++;
    return this.average / (1 - this.weight ** this.count);
  }
}

export function smoothCurve(values: ReadonlyArray<number | null>, weight: number): Array<number | null> {
  const smoother = new Smoother(weight);
  return values.map((value) => smoother.next(value));
}
