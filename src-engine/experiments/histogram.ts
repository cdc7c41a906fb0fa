/** A histogram of a set of values over a fixed range, binned like numpy's `np.histogram(values, bins, range)`. */
export interface Histogram {
  /** counts[i] holds the values in [edges[i], edges[i + 1]); the last bin also holds its right edge. */
  readonly counts: readonly number[];
  /** bins + 1 evenly spaced edges from range[0] to range[1]. */
  readonly edges: readonly number[];
  /** Values left of the range and right of it (NaN counts as right): not in any bin, as in matplotlib's hist. */
  readonly below: number;
  readonly above: number;
  /** Mean and (population) standard deviation of all the values, in range or not. */
  readonly mean: number;
  readonly std: number;
}

/** The largest bin count a histogram takes (the book draws 30). */
const MAX_HISTOGRAM_BINS = 1000;

/** Bins `values` into `bins` equal bins over [lo, hi], the way numpy does (the right edge goes in the last bin). */
export function histogram(values: ArrayLike<number>, bins: number, [lo, hi]: readonly [number, number]): Histogram {
  if (!Number.isInteger(bins) || bins < 1 || bins > MAX_HISTOGRAM_BINS) throw new RangeError(`A histogram needs 1 to ${MAX_HISTOGRAM_BINS} bins, got ${bins}`);
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) throw new RangeError(`A histogram's range must be two finite numbers, low before high; got (${lo}, ${hi})`);
  // Edges as numpy's linspace computes them (i * step + lo), so values on an edge land in numpy's bin.
  const step = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => i * step + lo);
  edges[bins] = hi;
  const perUnit = bins / (hi - lo);
  const counts = new Array<number>(bins).fill(0);
  let below = 0;
  let above = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    sum += v;
    if (v < lo) below++;
    else if (!(v <= hi)) above++;
    else {
      // The scaled position picks the bin; the edge comparisons settle values that rounding put one bin off.
      let b = Math.min(bins - 1, Math.floor((v - lo) * perUnit));
      if (v < edges[b]) b--;
      else if (b < bins - 1 && v >= edges[b + 1]) b++;
      counts[b]++;
    }
  }
  const n = values.length;
  const mean = n === 0 ? 0 : sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (values[i] - mean) ** 2;
  return { counts, edges, below, above, mean, std: n === 0 ? 0 : Math.sqrt(squares / n) };
}
