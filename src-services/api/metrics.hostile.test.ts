import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CURVE_ITERATION, MAX_CURVE_POINTS, type RunCurve, type RunMetrics } from '../../src-shared/api';
import { parseTrainConfig } from '../../src-shared/config';
import { METRICS_FILE } from '../runs/run-layout';
import { MAX_LOSS_POINTS, MAX_METRICS_FILE_BYTES, MAX_METRICS_LINE_BYTES } from '../runs/metrics-reader';
import { startRealHost, type RealHost } from './real-host-fixtures';

/** Issue 13, item 10: runMetrics bounds what a metrics.jsonl may make the host allocate. */
describe('hostile metrics files against a real host', () => {
  let host: RealHost;
  beforeAll(async () => {
    host = await startRealHost();
  });
  afterAll(() => host.close());

  /** A stored run of `training` whose metrics.jsonl holds `text`; returns its id and the file. */
  async function runWithMetrics(training: Record<string, unknown>, text: string): Promise<{ id: string; file: string }> {
    const record = await host.store.create(parseTrainConfig({ training }), { name: 'hostile metrics' });
    const file = join(host.store.directory(record.id), METRICS_FILE);
    writeFileSync(file, text);
    return { id: record.id, file };
  }

  it('refuses a losses line that starts far past the run\'s iterations, before allocating for it', async () => {
    const { id, file } = await runWithMetrics({ iterations: 100 }, `${JSON.stringify({ type: 'losses', start: 0, values: [2.3, 2.2] })}\n${JSON.stringify({ type: 'losses', start: 100_000_000, values: [1, 2, 3] })}\n`);
    const before = process.resourceUsage().maxRSS;
    const error = await host.client.error('runMetrics', { id });
    const grownMb = (process.resourceUsage().maxRSS - before) / 1024;
    console.log(`[hostile] runMetrics with start 100000000: refused; host peak RSS grew ${grownMb.toFixed(0)} MB (before: 6 GB)`);
    expect(error).toBe(`${file}: line 2 puts losses at iterations 100000000 to 100000002, past the 100 iterations this run's metrics can hold`);
    expect(grownMb).toBeLessThan(50);
  });

  it('bounds a run whose length is not known (epochs of an unknown dataset) by the hard cap', async () => {
    const { id, file } = await runWithMetrics({ epochs: 5 }, `${JSON.stringify({ type: 'losses', start: MAX_LOSS_POINTS, values: [1] })}\n`);
    expect(await host.client.error('runMetrics', { id })).toBe(`${file}: line 1 puts losses at iterations ${MAX_LOSS_POINTS} to ${MAX_LOSS_POINTS}, past the ${MAX_LOSS_POINTS} iterations this run's metrics can hold`);
  });

  it('refuses an oversized file by its size and an endless line by its length, without reading them whole', async () => {
    // Sparse files: their size costs no disk.
    const big = await runWithMetrics({ iterations: 10 }, '');
    truncateSync(big.file, MAX_METRICS_FILE_BYTES + 1);
    expect(await host.client.error('runMetrics', { id: big.id })).toBe(`${big.file}: ${MAX_METRICS_FILE_BYTES + 1} bytes is more than a run's metrics may hold (${MAX_METRICS_FILE_BYTES})`);
    const endless = await runWithMetrics({ iterations: 10 }, '');
    truncateSync(endless.file, MAX_METRICS_LINE_BYTES + 2);
    expect(await host.client.error('runMetrics', { id: endless.id })).toBe(`${endless.file}: a line is longer than ${MAX_METRICS_LINE_BYTES} bytes; this is not a metrics file`);
  });

  it('still reads a sound file: gaps as null, a torn last line left out', async () => {
    const evaluation = { type: 'evaluation', iteration: 1, epoch: 0, trainAccuracy: 0.1, testAccuracy: 0.1, trainLoss: 2.3, testLoss: 2.3, final: false };
    const { id } = await runWithMetrics(
      { iterations: 10 },
      `${JSON.stringify({ type: 'losses', start: 0, values: [3, 2] })}\n${JSON.stringify(evaluation)}\n${JSON.stringify({ type: 'losses', start: 4, values: [1, null] })}\n{"type":"losses","sta`,
    );
    const metrics = await host.client.value<RunMetrics>('runMetrics', { id });
    expect(metrics.losses).toEqual([3, 2, null, null, 1, null]);
    expect(metrics.evaluations).toEqual([{ iteration: 1, epoch: 0, trainAccuracy: 0.1, testAccuracy: 0.1, trainLoss: 2.3, testLoss: 2.3, final: false }]);
  });

  it('answers runCurve for a run longer than runMetrics may carry (MAX_LOSS_POINTS), in the buckets asked for', async () => {
    const lines = [];
    // 5.2 million losses in 1300 lines, the 5-millionth a spike; written with time stamps one second apart.
    for (let line = 0; line < 1300; line++) {
      const values = Array.from({ length: 4000 }, (_, i) => (line * 4000 + i === 5_000_000 ? 99 : 1 + (i % 10) / 100));
      lines.push(JSON.stringify({ type: 'losses', start: line * 4000, values, t: 1_800_000_000 + line }));
    }
    const { id } = await runWithMetrics({ epochs: 5 }, `${lines.join('\n')}\n`);
    expect(5_200_000).toBeGreaterThan(MAX_LOSS_POINTS);
    const before = process.resourceUsage().maxRSS;
    const curve = await host.client.value<RunCurve>('runCurve', { id, points: 1000, smoothing: 0.9 });
    const grownMb = (process.resourceUsage().maxRSS - before) / 1024;
    console.log(`[hostile] runCurve of 5.2M losses: ${curve.losses.min.length} buckets; host peak RSS grew ${grownMb.toFixed(0)} MB`);
    expect(curve.iterations).toBe(5_200_000);
    expect(curve.losses.min.length).toBeLessThanOrEqual(1000);
    expect(Math.max(...curve.losses.max.map((v) => v ?? 0))).toBe(99);
    expect(curve.times.length).toBeLessThanOrEqual(2000);
    const zoomed = await host.client.value<RunCurve>('runCurve', { id, from: 4_999_990, to: 5_000_010, points: 100, smoothing: 0 });
    expect(zoomed.losses).toMatchObject({ first: 4_999_990, width: 1 });
    expect(zoomed.losses.max[10]).toBe(99);
    expect(grownMb).toBeLessThan(100);
  });

  it('refuses curve requests out of bounds, in words', async () => {
    const { id } = await runWithMetrics({ iterations: 10 }, `${JSON.stringify({ type: 'losses', start: 0, values: [1] })}\n`);
    expect(await host.client.error('runCurve', { id, points: MAX_CURVE_POINTS + 1, smoothing: 0 })).toMatch(/points/);
    expect(await host.client.error('runCurve', { id, points: 1, smoothing: 0 })).toMatch(/points/);
    expect(await host.client.error('runCurve', { id, points: 10, smoothing: 1 })).toMatch(/smoothing: must be less than 1/);
    expect(await host.client.error('runCurve', { id, points: 10, smoothing: 0, from: 5, to: 5 })).toMatch(/to must be greater than from/);
    expect(await host.client.error('runCurve', { id, points: 10, smoothing: 0, to: MAX_CURVE_ITERATION + 1 })).toMatch(/to/);
    expect(await host.client.error('runCurve', { id, points: 10, smoothing: 0, extra: 1 })).toMatch(/extra|unrecognized/i);
  });

  it('answers runCurve for a hostile line far past a run of unknown length without walking the gap', async () => {
    const { id } = await runWithMetrics({ epochs: 5 }, `${JSON.stringify({ type: 'losses', start: 0, values: [2] })}\n${JSON.stringify({ type: 'losses', start: 2 ** 39, values: [1] })}\n`);
    const curve = await host.client.value<RunCurve>('runCurve', { id, points: 100, smoothing: 0 });
    expect(curve.iterations).toBe(2 ** 39 + 1);
    expect(curve.losses.min.length).toBeLessThanOrEqual(100);
  });
});
