import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvaluationRecord } from '../../src-engine/training/evaluation-record';
import { MAX_AFFINE_LAYERS } from '../../src-shared/limits';
import { metricsLineSchema, storedEvaluation } from '../../src-shared/run-record';
import { MAX_GRADIENT_SAMPLES } from '../../src-shared/series/gradient-thinning';
import { metricsLines, readRunCurve, readRunMetrics } from './metrics-reader';
import { MetricsWriter, trimMetrics } from './metrics-writer';

const metricsFile = async (): Promise<string> => join(await mkdtemp(join(tmpdir(), 'bpw-metrics-')), 'metrics.jsonl');

/** An engine record after update `iteration`, with a gradient flow of two layers (one ratio 0/0: W_before was zero). */
const record = (iteration: number, withGradients = true): EvaluationRecord => ({
  iteration,
  epoch: iteration / 10,
  trainAccuracy: 0.5,
  testAccuracy: 0.25,
  trainLoss: 1.5,
  testLoss: 1.75,
  final: false,
  ...(withGradients ? { gradients: [{ weightNorm: 1e-9 * iteration, biasNorm: 2.5e-10, updateRatio: NaN }, { weightNorm: 0.125, biasNorm: 0.0625, updateRatio: 1e-3 }] } : {}),
});

describe('the gradient flow in metrics.jsonl', () => {
  it('round-trips through the writer, the line schema and both readers, a non-finite ratio as null', async () => {
    const file = await metricsFile();
    const writer = new MetricsWriter(file);
    writer.addLoss(0, 2.3);
    writer.addEvaluation(record(1));
    writer.addLoss(1, 2.2);
    writer.addEvaluation(record(2));
    writer.flush();
    const stored = storedEvaluation(record(1));
    expect(stored.gradients).toEqual([{ weightNorm: 1e-9, biasNorm: 2.5e-10, updateRatio: null }, { weightNorm: 0.125, biasNorm: 0.0625, updateRatio: 1e-3 }]);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(metricsLineSchema.parse(JSON.parse(lines[1]!))).toEqual({ type: 'evaluation', ...stored });
    const metrics = await readRunMetrics(file, 100);
    expect(metrics.evaluations).toEqual([stored, storedEvaluation(record(2))]);
    const curve = await readRunCurve(file, 100, { from: 0, points: 10, smoothing: 0 });
    expect(curve.evaluations).toEqual(metrics.evaluations);
  });

  it('reads a file written before the gradient flow was recorded: its evaluations simply have none', async () => {
    const file = await metricsFile();
    // Lines as the writer wrote them until now (a run of 2026-11-29).
    await writeFile(
      file,
      '{"type":"losses","start":0,"values":[2.30,2.28],"t":1764460800.5}\n' +
        '{"type":"evaluation","iteration":1,"epoch":0.0016666666666666668,"trainAccuracy":0.1044,"testAccuracy":0.1028,"trainLoss":2.29,"testLoss":2.29,"final":false}\n',
    );
    const metrics = await readRunMetrics(file, 100);
    expect(metrics.evaluations).toHaveLength(1);
    expect(metrics.evaluations[0]!.gradients).toBeUndefined();
    expect(metrics.evaluations[0]!.testAccuracy).toBe(0.1028);
  });

  it('refuses a line with more layers than a network can have, or a norm that is not a number, naming the field', async () => {
    const file = await metricsFile();
    const layer = { weightNorm: 1, biasNorm: 1, updateRatio: 1 };
    const line = (gradients: unknown): string => `${JSON.stringify({ type: 'evaluation', iteration: 1, epoch: 1, trainAccuracy: 1, testAccuracy: 1, trainLoss: 1, testLoss: 1, final: false, gradients })}\n`;
    await writeFile(file, line(new Array(MAX_AFFINE_LAYERS + 1).fill(layer)));
    await expect(readRunMetrics(file, 100)).rejects.toThrow(/line 1 is not a metrics record \(gradients: Too big: expected array to have <=33 items\)/);
    await writeFile(file, line([{ ...layer, weightNorm: 'big' }]));
    await expect(readRunMetrics(file, 100)).rejects.toThrow(/line 1 is not a metrics record \(gradients\.0\.weightNorm: .*number/);
  });

  it('keeps at most MAX_GRADIENT_SAMPLES + 1 gradient flows in a reply, evenly spread, every evaluation still there', async () => {
    const file = await metricsFile();
    const writer = new MetricsWriter(file);
    const count = 2 * MAX_GRADIENT_SAMPLES + 101;
    for (let i = 1; i <= count; i++) writer.addEvaluation(record(i));
    for (const reply of [await readRunMetrics(file, 10), await readRunCurve(file, 10, { from: 0, points: 10, smoothing: 0 })]) {
      expect(reply.evaluations).toHaveLength(count);
      const kept = reply.evaluations.filter((e) => e.gradients).map((e) => e.iteration);
      expect(kept.length).toBeLessThanOrEqual(MAX_GRADIENT_SAMPLES + 1);
      expect(kept.length).toBeGreaterThan(MAX_GRADIENT_SAMPLES / 2);
      expect([kept[0], kept.at(-1)]).toEqual([1, count]);
    }
  });

  it('survives trimMetrics (a resumed run) whole on the evaluations it keeps', async () => {
    const file = await metricsFile();
    const writer = new MetricsWriter(file);
    writer.addLoss(0, 2.3);
    writer.addEvaluation(record(1));
    writer.addLoss(1, 2.2);
    writer.addLoss(2, 2.1);
    writer.addEvaluation(record(3));
    writer.flush();
    trimMetrics(file, 2);
    const lines = [];
    for await (const line of metricsLines(file, 100)) lines.push(line);
    expect(lines.filter((l) => l.type === 'evaluation')).toEqual([{ type: 'evaluation', ...storedEvaluation(record(1)) }]);
  });
});
