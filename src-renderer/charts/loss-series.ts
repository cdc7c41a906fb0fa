import type { LossBuckets } from '../../src-shared/series/buckets';
import { Smoother } from '../../src-shared/series/smoothing';

/** Each level of the pyramid sums up FANOUT blocks of the level below. */
const FANOUT = 8;

/** A growable Float32Array: appending doubles the capacity when full, so each append is O(1) amortised. */
class Column {
  data = new Float32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
}

/** One level of the min/max pyramid: block b covers iterations [b * size, (b + 1) * size). */
interface Level {
  readonly size: number;
  readonly min: Column;
  readonly max: Column;
  /** The smoothed value at the block's last finite loss (NaN: none yet). */
  readonly smoothed: Column;
}

/**
 * A run's loss curve in the page, at any length: every loss in a Float32Array (NaN for a gap), its smoothed
 * curve computed as the losses arrive, and a pyramid of min/max blocks (8, 64, 512, … iterations wide)
 * kept up to date on every append. A chart then asks for the buckets of any range at the pixels it has
 * (`buckets`) and gets them by reading at most a few thousand blocks, whether the run has a thousand
 * iterations or ten million; a zoomed-in range comes out at full resolution.
 */
export class LossSeries {
  private readonly values = new Column();
  private readonly smoothedValues = new Column();
  private readonly levels: Level[] = [];
  private smoother: Smoother;

  constructor(private weight = 0.9) {
    this.smoother = new Smoother(weight);
  }

  /** Iterations held (the last one + 1). */
  get length(): number {
    return this.values.length;
  }

  /** The loss at an iteration (null for a gap or past the end). */
  at(iteration: number): number | null {
    const value = iteration < this.values.length ? this.values.data[iteration]! : Number.NaN;
    return Number.isNaN(value) ? null : value;
  }

  get smoothing(): number {
    return this.weight;
  }

  /**
   * Losses from iteration `start` on. Past the end they are appended (a gap is filled with NaN); a start
   * before the end (a run continued from its checkpoint) cuts the curve there first.
   */
  append(start: number, losses: ArrayLike<number | null>): void {
    if (start < this.values.length) this.rebuild(start, this.weight);
    while (this.values.length < start) this.push(Number.NaN);
    for (let i = 0; i < losses.length; i++) this.push(losses[i] ?? Number.NaN);
  }

  /** A new smoothing weight: the smoothed curve and the pyramid's smoothed values are computed again (O(n)). */
  setSmoothing(weight: number): void {
    if (weight !== this.weight) this.rebuild(this.values.length, weight);
  }

  private push(raw: number): void {
    const value = Number.isFinite(raw) ? raw : Number.NaN;
    const iteration = this.values.length;
    const smoothed = this.smoother.next(value) ?? Number.NaN;
    this.values.push(value);
    this.smoothedValues.push(smoothed);
    for (let k = 0, size = FANOUT; ; k++, size *= FANOUT) {
      // A level exists once the run is longer than one of its blocks.
      if (k === this.levels.length) {
        if (iteration < size) break;
        this.levels.push(this.levelFromBelow(size));
        continue;
      }
      const level = this.levels[k]!;
      const block = Math.floor(iteration / size);
      if (block === level.min.length) {
        level.min.push(Number.NaN);
        level.max.push(Number.NaN);
        level.smoothed.push(Number.NaN);
      }
      if (!Number.isNaN(value)) {
        const min = level.min.data[block]!;
        const max = level.max.data[block]!;
        if (Number.isNaN(min) || value < min) level.min.data[block] = value;
        if (Number.isNaN(max) || value > max) level.max.data[block] = value;
        level.smoothed.data[block] = smoothed;
      }
    }
  }

  /** A new top level, summing up the level below it (or the losses) for the iterations held so far. */
  private levelFromBelow(size: number): Level {
    const level: Level = { size, min: new Column(), max: new Column(), smoothed: new Column() };
    const below = this.levels.at(-1);
    const source = below
      ? { min: below.min, max: below.max, smoothed: below.smoothed }
      : { min: this.values, max: this.values, smoothed: this.smoothedValues };
    for (let i = 0; i < source.min.length; i++) {
      const block = Math.floor(i / FANOUT);
      if (block === level.min.length) {
        level.min.push(Number.NaN);
        level.max.push(Number.NaN);
        level.smoothed.push(Number.NaN);
      }
      level.min.data[block] = nanMin(level.min.data[block]!, source.min.data[i]!);
      level.max.data[block] = nanMax(level.max.data[block]!, source.max.data[i]!);
      if (!Number.isNaN(source.smoothed.data[i]!)) level.smoothed.data[block] = source.smoothed.data[i]!;
    }
    return level;
  }

  /** Keeps the first `length` losses and computes everything else again from them. */
  private rebuild(length: number, weight: number): void {
    const kept = this.values.data.slice(0, length);
    this.weight = weight;
    this.smoother = new Smoother(weight);
    this.values.length = 0;
    this.smoothedValues.length = 0;
    this.levels.length = 0;
    for (const value of kept) this.push(value);
  }

  /**
   * The buckets of iterations [from, to) at about `points` buckets (at least 2): one loss per bucket when
   * the range has no more than `points` iterations, else aligned blocks of the pyramid merged into buckets
   * (each bucket's min and max are exact). Costs O(points), not O(to - from).
   */
  buckets(from: number, to: number, points: number): LossBuckets {
    const end = Math.min(to, this.values.length);
    const start = Math.max(0, Math.min(from, end));
    const wanted = Math.max(1, Math.ceil((end - start) / Math.max(2, points)));
    // The coarsest level whose blocks are no wider than a bucket; the bucket width a multiple of its block.
    let k = -1;
    while (k + 1 < this.levels.length && this.levels[k + 1]!.size <= wanted) k++;
    const blockSize = k < 0 ? 1 : this.levels[k]!.size;
    const width = Math.ceil(wanted / blockSize) * blockSize;
    const source = k < 0 ? { min: this.values, max: this.values, smoothed: this.smoothedValues } : this.levels[k]!;
    const first = Math.floor(start / width) * width;
    const min: Array<number | null> = [];
    const max: Array<number | null> = [];
    const smoothed: Array<number | null> = [];
    for (let bucketStart = first; bucketStart < end; bucketStart += width) {
      let low = Number.NaN;
      let high = Number.NaN;
      let smooth = Number.NaN;
      const lastBlock = Math.min(source.min.length, (bucketStart + width) / blockSize);
      for (let b = bucketStart / blockSize; b < lastBlock; b++) {
        low = nanMin(low, source.min.data[b]!);
        high = nanMax(high, source.max.data[b]!);
        if (!Number.isNaN(source.smoothed.data[b]!)) smooth = source.smoothed.data[b]!;
      }
      min.push(Number.isNaN(low) ? null : low);
      max.push(Number.isNaN(high) ? null : high);
      smoothed.push(Number.isNaN(smooth) ? null : smooth);
    }
    return { first, width, min, max, smoothed };
  }
}

/** The smaller of two values, NaN meaning "none". */
function nanMin(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b);
}

function nanMax(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b);
}
