import { Smoother } from './smoothing';

/**
 * A loss curve cut into equal buckets of iterations, as the charts draw it: per bucket the lowest and the
 * highest loss (so a spike survives any zoom level) and the smoothed curve where the bucket ends. Bucket j
 * covers iterations [first + j * width, first + (j + 1) * width); a bucket without a finite loss is null.
 * A chart needs about two buckets per pixel, whatever the length of the run.
 */
export interface LossBuckets {
  /** The iteration bucket 0 starts at (a multiple of `width`). */
  readonly first: number;
  /** Iterations per bucket (1: every loss as it is). */
  readonly width: number;
  readonly min: ReadonlyArray<number | null>;
  readonly max: ReadonlyArray<number | null>;
  /** The smoothed curve (computed on every loss from iteration 0) at the last finite loss of the bucket. */
  readonly smoothed: ReadonlyArray<number | null>;
}

/**
 * Builds LossBuckets from losses that arrive in order, in memory proportional to the budget, never to the
 * run: buckets start one iteration wide, and whenever there would be more than `points` of them, each
 * pair is merged into one twice as wide (min of mins, max of maxes, the later smoothed value). A file of a
 * billion losses is read with a few thousand numbers in memory.
 *
 * Only losses in [from, to) are kept; smoothing still runs over every loss from iteration 0, so a zoomed
 * range shows the same smoothed curve as the whole run.
 */
export class BucketBuilder {
  private width = 1;
  /** Bucket index (iteration / width) of min[0]. */
  private base: number;
  private readonly min: Array<number | null> = [];
  private readonly max: Array<number | null> = [];
  private readonly smoothed: Array<number | null> = [];
  private readonly smoother: Smoother;
  /** The next iteration expected (losses before it were already taken). */
  private next = 0;

  constructor(
    private readonly from: number,
    private readonly to: number,
    private readonly points: number,
    smoothing: number,
  ) {
    if (!(Number.isInteger(points) && points >= 2)) throw new RangeError(`points must be an integer of at least 2, got ${points}`);
    this.smoother = new Smoother(smoothing);
    // A known range can start at (nearly) its final width: fewer merges on the way.
    while (Number.isFinite(to) && (to - from) / this.width > points) this.width *= 2;
    this.base = Math.floor(from / this.width);
  }

  /** Losses from iteration `start` on. Iterations already taken are skipped; a gap before `start` is left empty. */
  add(start: number, values: ReadonlyArray<number | null>): void {
    let offset = 0;
    if (start < this.next) offset = this.next - start;
    else this.next = start;
    for (let i = offset; i < values.length; i++) {
      const iteration = start + i;
      const value = values[i] ?? null;
      const smoothed = this.smoother.next(value);
      this.next = iteration + 1;
      if (iteration < this.from || iteration >= this.to || smoothed === null || value === null) continue;
      const j = this.slot(iteration);
      if (this.min[j] === null || value < this.min[j]!) this.min[j] = value;
      if (this.max[j] === null || value > this.max[j]!) this.max[j] = value;
      this.smoothed[j] = smoothed;
    }
  }

  /** The index of iteration's bucket, merging pairs first while it would make more than `points` buckets. */
  private slot(iteration: number): number {
    while (Math.floor(iteration / this.width) - this.base >= this.points) this.merge();
    const j = Math.floor(iteration / this.width) - this.base;
    while (this.min.length <= j) {
      this.min.push(null);
      this.max.push(null);
      this.smoothed.push(null);
    }
    return j;
  }

  /** Every pair of buckets becomes one twice as wide. */
  private merge(): void {
    const base = Math.floor(this.base / 2);
    const merged = { min: [] as Array<number | null>, max: [] as Array<number | null>, smoothed: [] as Array<number | null> };
    for (let j = 0; j < this.min.length; j++) {
      const k = Math.floor((this.base + j) / 2) - base;
      if (merged.min.length <= k) {
        merged.min.push(null);
        merged.max.push(null);
        merged.smoothed.push(null);
      }
      merged.min[k] = lower(merged.min[k]!, this.min[j]!);
      merged.max[k] = higher(merged.max[k]!, this.max[j]!);
      merged.smoothed[k] = this.smoothed[j] ?? merged.smoothed[k]!;
    }
    this.width *= 2;
    this.base = base;
    this.min.splice(0, this.min.length, ...merged.min);
    this.max.splice(0, this.max.length, ...merged.max);
    this.smoothed.splice(0, this.smoothed.length, ...merged.smoothed);
  }

  /** The iterations seen so far (the last one + 1). */
  get iterations(): number {
    return this.next;
  }

  result(): LossBuckets {
    return { first: this.base * this.width, width: this.width, min: [...this.min], max: [...this.max], smoothed: [...this.smoothed] };
  }
}

function lower(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

function higher(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}
