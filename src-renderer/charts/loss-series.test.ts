import { describe, expect, it } from 'vitest';
import type { LossBuckets } from '../../src-shared/series/buckets';
import { smoothCurve } from '../../src-shared/series/smoothing';
import { LossSeries } from './loss-series';

/** A noisy falling curve of eighths (exact in float32), with gaps and a few spikes. */
function curve(n: number): Array<number | null> {
  let state = 7;
  return Array.from({ length: n }, (_, i) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    if (i % 97 === 13) return null;
    if (i % 1009 === 500) return 64;
    return Math.round((4 / (1 + i / 500) + (state % 64) / 64) * 8) / 8;
  });
}

/** The buckets computed the slow way: every loss of each bucket looked at. */
function bruteForce(values: ReadonlyArray<number | null>, weight: number, first: number, width: number, end: number): LossBuckets {
  const smooth = smoothCurve(values, weight);
  const min: Array<number | null> = [];
  const max: Array<number | null> = [];
  const smoothed: Array<number | null> = [];
  for (let start = first; start < end; start += width) {
    const inBucket = values.slice(start, Math.min(start + width, end)).flatMap((v, i) => (v === null ? [] : [{ v, s: smooth[start + i]! }]));
    min.push(inBucket.length ? Math.min(...inBucket.map((p) => p.v)) : null);
    max.push(inBucket.length ? Math.max(...inBucket.map((p) => p.v)) : null);
    smoothed.push(inBucket.length ? Math.fround(inBucket.at(-1)!.s) : null);
  }
  return { first, width, min, max, smoothed };
}

describe('LossSeries', () => {
  const values = curve(50_000);

  it('keeps the min and max of every bucket, so a single spike survives downsampling', () => {
    const series = new LossSeries(0.6);
    series.append(0, values);
    const buckets = series.buckets(0, values.length, 300);
    expect(buckets.min.length).toBeLessThanOrEqual(301);
    expect(buckets.width).toBeGreaterThan(1);
    expect(buckets).toEqual(bruteForce(values, 0.6, buckets.first, buckets.width, values.length));
    expect(Math.max(...buckets.max.map((v) => v ?? 0))).toBe(64);
  });

  it('appended in small chunks equals appended at once, at every zoom', () => {
    const whole = new LossSeries(0.9);
    whole.append(0, values);
    const chunked = new LossSeries(0.9);
    for (let start = 0; start < values.length; start += 37) chunked.append(start, values.slice(start, start + 37));
    for (const [from, to, points] of [[0, 50_000, 500], [1234, 9999, 80], [40_000, 40_100, 1000]] as const) {
      expect(chunked.buckets(from, to, points)).toEqual(whole.buckets(from, to, points));
    }
  });

  it('smooths as it appends exactly like smoothCurve over the whole curve', () => {
    const series = new LossSeries(0.95);
    for (let start = 0; start < 5000; start += 250) series.append(start, values.slice(start, start + 250));
    const atFullResolution = series.buckets(0, 5000, 5000);
    expect(atFullResolution.width).toBe(1);
    expect(atFullResolution.smoothed).toEqual(smoothCurve(values.slice(0, 5000), 0.95).map((v) => (v === null ? null : Math.fround(v))));
  });

  it('answers a zoomed range at full resolution, its smoothing computed from iteration 0', () => {
    const series = new LossSeries(0.9);
    series.append(0, values);
    const zoomed = series.buckets(20_000, 20_400, 800);
    expect(zoomed).toEqual(bruteForce(values, 0.9, 20_000, 1, 20_400));
    expect(zoomed.min).toEqual(values.slice(20_000, 20_400));
  });

  it('recomputes the smoothing for a new weight, and cuts the curve where a continued run starts again', () => {
    const series = new LossSeries(0.9);
    series.append(0, values.slice(0, 3000));
    series.setSmoothing(0.5);
    expect(series.buckets(0, 3000, 200)).toEqual(bruteForce(values.slice(0, 3000), 0.5, 0, 16, 3000));
    series.append(1000, [1, 2]);
    expect(series.length).toBe(1002);
    expect(series.at(1001)).toBe(2);
    expect(series.buckets(0, 1002, 2000)).toEqual(bruteForce([...values.slice(0, 1000), 1, 2], 0.5, 0, 1, 1002));
  });

  it('leaves a gap before a late start empty and answers nothing past the end', () => {
    const series = new LossSeries(0);
    series.append(5, [3]);
    expect(series.buckets(0, 100, 10)).toEqual({ first: 0, width: 1, min: [null, null, null, null, null, 3], max: [null, null, null, null, null, 3], smoothed: [null, null, null, null, null, 3] });
    expect(series.buckets(50, 100, 10).min).toEqual([]);
  });
});
