import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrainConfig, type TrainConfigInput } from '../../src-shared/config';
import type { Dataset } from '../data/dataset';
import { bundledMnistDirectory, loadIdxDataset } from '../data/load-dataset';
import { createTsBackend } from './backends/ts-backend';
import { Trainer, type EvaluationRecord } from './trainer';

const backend = createTsBackend();
let mnist: Dataset;

beforeAll(async () => {
  mnist = await loadIdxDataset(bundledMnistDirectory());
});

function lossCurve(input: TrainConfigInput): number[] {
  const trainer = new Trainer(parseTrainConfig(input), mnist, backend);
  const losses: number[] = [];
  trainer.run({ onIteration: (_, loss) => losses.push(loss) }, { finalEvaluation: false });
  return losses;
}

describe('Trainer', () => {
  it('gives a bit-identical loss curve for the same seed and config, another for another seed', () => {
    const base = { network: { hiddenSizes: [16] }, training: { iterations: 30, evaluateEvery: 1000, evaluationSamples: 10 } };
    const a = lossCurve({ ...base, seed: 5 });
    const b = lossCurve({ ...base, seed: 5 });
    const c = lossCurve({ ...base, seed: 6 });
    expect(a).toHaveLength(30);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    const f64 = lossCurve({ ...base, seed: 5, dtype: 'float64' });
    expect(lossCurve({ ...base, seed: 5, dtype: 'float64' })).toEqual(f64);
  });

  it('evaluates on the book\'s schedule: iteration % (train_size / batch) == 0, including the first', () => {
    const trainer = new Trainer(
      parseTrainConfig({ network: { hiddenSizes: [8] }, training: { iterations: 25, batchSize: 50, trainSubset: 500, evaluationSamples: 20 } }),
      mnist,
      backend,
    );
    const records: EvaluationRecord[] = [];
    const result = trainer.run({ onEvaluation: (r) => records.push(r) });
    // 500 / 50 = 10 iterations per epoch: evaluated after updates i = 0, 10, 20, then a final one at 25
    expect(records.map((r) => [r.iteration, r.final])).toEqual([[1, false], [11, false], [21, false], [25, true]]);
    expect(result.evaluations).toBe(4);
    expect(records[1].epoch).toBeCloseTo(1.1, 12);
  });

  it('with replacement draws indices within the subset; shuffled epochs visit each sample exactly once', () => {
    const shuffled = new Trainer(
      parseTrainConfig({ network: { hiddenSizes: [4] }, training: { iterations: 1, batchSize: 10, trainSubset: 40, sampling: 'shuffle' } }),
      mnist,
      backend,
    );
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      shuffled.step();
      seen.push(...shuffled.lastBatchIndices);
    }
    expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const withReplacement = new Trainer(
      parseTrainConfig({ network: { hiddenSizes: [4] }, training: { iterations: 1, batchSize: 100, trainSubset: 40 } }),
      mnist,
      backend,
    );
    withReplacement.step();
    const drawn = Array.from(withReplacement.lastBatchIndices);
    expect(drawn.every((i) => i >= 0 && i < 40)).toBe(true);
    expect(new Set(drawn).size).toBeLessThan(100); // 100 draws from 40 must repeat
  });

  it('stops as diverged when the loss stops being finite', () => {
    const trainer = new Trainer(
      // Weights of 1e20 overflow float32 scores to Infinity, and softmax of Infinity is NaN.
      parseTrainConfig({ network: { hiddenSizes: [32], weightInit: 1e20 }, training: { iterations: 200, evaluationSamples: 10 }, dtype: 'float32' }),
      mnist,
      backend,
    );
    const result = trainer.run();
    expect(result.status).toBe('diverged');
    expect(result.iterations).toBeLessThan(200);
    expect(Number.isFinite(result.lastLoss)).toBe(false);
  });

  it('rejects a network that does not fit the dataset', () => {
    expect(() => new Trainer(parseTrainConfig({ network: { inputSize: 100 } }), mnist, backend)).toThrow(/network.inputSize is 100 but .* 28x28 = 784 pixels/);
    expect(() => new Trainer(parseTrainConfig({ network: { outputSize: 5 } }), mnist, backend)).toThrow(/network.outputSize is 5 but .* 10 classes/);
  });

  it('a short run of the book\'s TwoLayerNet reaches >= 0.90 test accuracy on the full test set', () => {
    const trainer = new Trainer(parseTrainConfig({ training: { iterations: 800, evaluateEvery: 100000 } }), mnist, backend);
    const result = trainer.run();
    expect(result.status).toBe('completed');
    expect(result.testAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.trainAccuracy).toBeGreaterThanOrEqual(0.88);
  });
});
