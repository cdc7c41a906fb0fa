import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../src-shared/config';
import { curvePoints } from './loss-option';
import { LossSeries } from './loss-series';
import { iterationsPerEpochOf, xScale } from './x-axis';

const iterations = xScale('iteration', undefined, []);
if (typeof iterations === 'string') throw new Error(iterations);

describe('curvePoints', () => {
  const series = new LossSeries(0);
  series.append(0, Array.from({ length: 1000 }, (_, i) => (i === 503 ? 9 : 1 + (i % 2))));
  const data = (from: number, to: number, points: number) => ({ iterations: series.length, buckets: series.buckets(from, to, points), times: [] });

  it('draws each bucket as a stroke from its min to its max, so a spike is drawn at any zoom', () => {
    const { raw, smoothed } = curvePoints({ name: 'a', scale: iterations, overview: data(0, 1000, 10) });
    expect(smoothed.length).toBeLessThanOrEqual(11);
    expect(Math.max(...raw.map(([, y]) => y ?? 0))).toBe(9);
    expect(Math.min(...raw.map(([, y]) => y ?? 9))).toBe(1);
  });

  it('puts the zoomed range at full resolution between the overview outside it', () => {
    const { raw } = curvePoints({ name: 'a', scale: iterations, overview: data(0, 1000, 10), zoom: { from: 500, to: 510, detail: data(500, 510, 100) } });
    const inside = raw.filter(([x]) => x >= 500 && x < 510);
    expect(inside).toEqual(Array.from({ length: 10 }, (_, k) => [500 + k, series.at(500 + k)]));
    expect(raw.some(([x]) => x < 500)).toBe(true);
    expect(raw.some(([x]) => x >= 510)).toBe(true);
    const xs = raw.map(([x]) => x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
  });
});

describe('xScale', () => {
  it('maps iterations to epochs and to seconds through the time stamps, and back', () => {
    const epochs = xScale('epoch', 600, []);
    const seconds = xScale('time', undefined, [[100, 2], [300, 4]]);
    if (typeof epochs === 'string' || typeof seconds === 'string') throw new Error('expected scales');
    expect(epochs.toX(1200)).toBe(2);
    expect(epochs.toIteration(0.5)).toBe(300);
    expect(seconds.toX(50)).toBe(1);
    expect(seconds.toX(200)).toBe(3);
    expect(seconds.toIteration(3)).toBe(200);
  });

  it('says why epochs or time cannot be shown', () => {
    expect(xScale('time', 600, [])).toBe('this run was stored without time stamps');
    expect(xScale('epoch', undefined, [])).toMatch(/iterations per epoch are not known/);
  });

  it('takes iterations per epoch from an evaluation, else from the config', () => {
    const config = parseTrainConfig({ training: { batchSize: 100 } });
    expect(iterationsPerEpochOf([{ iteration: 0, epoch: 0 }, { iteration: 50, epoch: 0.5 }], config)).toBe(100);
    expect(iterationsPerEpochOf([], config)).toBe(600);
  });
});
