import { describe, expect, it } from 'vitest';
import { BucketBuilder } from './buckets';
import { smoothCurve } from './smoothing';

const values = Array.from({ length: 10_000 }, (_, i) => (i % 701 === 3 ? 50 : i % 89 === 0 ? null : 2 + Math.sin(i / 40) + (i % 7) / 10));

/** Min, max and last smoothed value of each `width`-wide bucket from `first`, the slow way. */
function expected(first: number, width: number, from: number, to: number, weight: number) {
  const smooth = smoothCurve(values, weight);
  const rows = [];
  for (let start = first; start < Math.min(to, values.length); start += width) {
    const idx = Array.from({ length: width }, (_, i) => start + i).filter((i) => i >= from && i < to && values[i] !== null && i < values.length);
    rows.push(idx.length ? [Math.min(...idx.map((i) => values[i]!)), Math.max(...idx.map((i) => values[i]!)), smooth[idx.at(-1)!]] : [null, null, null]);
  }
  return rows;
}

const rowsOf = (b: { min: ReadonlyArray<number | null>; max: ReadonlyArray<number | null>; smoothed: ReadonlyArray<number | null> }) => b.min.map((v, i) => [v, b.max[i], b.smoothed[i]]);

describe('BucketBuilder', () => {
  it('streams a curve of unknown length into at most `points` buckets, keeping every spike', () => {
    const builder = new BucketBuilder(0, Infinity, 100, 0.9);
    for (let start = 0; start < values.length; start += 333) builder.add(start, values.slice(start, start + 333));
    const result = builder.result();
    expect(result.min.length).toBeLessThanOrEqual(100);
    expect(result.width).toBe(128);
    expect(rowsOf(result)).toEqual(expected(0, 128, 0, Infinity, 0.9));
    expect(result.max.filter((v) => v === 50)).toHaveLength(Math.ceil(values.length / 701));
    expect(builder.iterations).toBe(values.length);
  });

  it('keeps only the asked range at full resolution, smoothed from iteration 0', () => {
    const builder = new BucketBuilder(4000, 4300, 500, 0.8);
    builder.add(0, values);
    const result = builder.result();
    expect(result).toMatchObject({ first: 4000, width: 1 });
    expect(rowsOf(result)).toEqual(expected(4000, 1, 4000, 4300, 0.8));
  });

  it('skips iterations already taken and jumps a gap without walking it', () => {
    const builder = new BucketBuilder(0, Infinity, 10, 0);
    builder.add(0, [1, 2, 3]);
    builder.add(1, [9, 9, 4]);
    builder.add(1e12, [5]);
    const result = builder.result();
    expect(result.min.length).toBeLessThanOrEqual(10);
    expect(result.min[0]).toBe(1);
    expect(result.max[0]).toBe(4);
    expect(result.max.at(-1)).toBe(5);
    expect(builder.iterations).toBe(1e12 + 1);
  });

  it('refuses a budget under two points', () => {
    expect(() => new BucketBuilder(0, 10, 1, 0)).toThrow(RangeError);
  });
});
