import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../dataset';
import { nativeForTests } from '../../src-services/backends/native-for-tests';
import { bundledMnistDirectory, loadIdxDataset } from '../../src-services/data/load-dataset';
import type { Backend } from '../backend';
import { createTsBackend } from '../backends/ts-backend';
import { Rng } from '../rng';
import { pixelDensity, SPARSE_DENSITY_LIMIT } from '../sparse-images';
import type { EvaluationRecord } from './evaluation-record';
import type { InputFormat } from './split-images';
import { Trainer } from './trainer';
import { trainSpec, type TrainSpecInput } from './train-spec';

const backend = createTsBackend();
let mnist: Dataset;

beforeAll(async () => {
  mnist = await loadIdxDataset(bundledMnistDirectory());
});

function lossCurve(input: TrainSpecInput): number[] {
  const trainer = new Trainer(trainSpec(input), mnist, backend);
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
      trainSpec({ network: { hiddenSizes: [8] }, training: { iterations: 25, batchSize: 50, trainSubset: 500, evaluationSamples: 20 } }),
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

  it('counts evaluation time on the steps that evaluate, with the clock it is given', () => {
    let now = 0;
    // Each reading moves this clock 1 ms on: a timed piece of work reads it twice and takes exactly 1 ms.
    const clock = (): number => ++now;
    const spec = trainSpec({ network: { hiddenSizes: [8] }, training: { iterations: 25, batchSize: 50, trainSubset: 500, evaluationSamples: 20 } });
    const stepped = new Trainer(spec, mnist, backend, { clock });
    const seconds = Array.from({ length: 12 }, () => stepped.advance().evaluationSeconds);
    expect(seconds).toEqual([0.001, ...Array(9).fill(undefined), 0.001, undefined]);
    now = 0;
    const result = new Trainer(spec, mnist, backend, { clock }).run();
    // Four evaluations of 1 ms each (i = 0, 10, 20 and the final one), inside a loop timed by two more readings.
    expect(result.evaluationSeconds).toBeCloseTo(0.004, 15);
    expect(result.seconds).toBeCloseTo(0.009, 15);
  });

  it('with replacement draws indices within the subset; shuffled epochs visit each sample exactly once', () => {
    const shuffled = new Trainer(
      trainSpec({ network: { hiddenSizes: [4] }, training: { iterations: 1, batchSize: 10, trainSubset: 40, sampling: 'shuffle' } }),
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
      trainSpec({ network: { hiddenSizes: [4] }, training: { iterations: 1, batchSize: 100, trainSubset: 40 } }),
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
      trainSpec({ network: { hiddenSizes: [32], weightInit: 1e20 }, training: { iterations: 200, evaluationSamples: 10 }, dtype: 'float32' }),
      mnist,
      backend,
    );
    const result = trainer.run();
    expect(result.status).toBe('diverged');
    expect(result.iterations).toBeLessThan(200);
    expect(Number.isFinite(result.lastLoss)).toBe(false);
  });

  it('rejects a network that does not fit the dataset', () => {
    expect(() => new Trainer(trainSpec({ network: { inputSize: 100 } }), mnist, backend)).toThrow(/network.inputSize is 100 but .* 28x28 = 784 pixels/);
    expect(() => new Trainer(trainSpec({ network: { outputSize: 5 } }), mnist, backend)).toThrow(/network.outputSize is 5 but .* 10 classes/);
  });

  it('records the gradient flow of each evaluated update: per Affine layer, SGD\'s ratio lr·‖dW‖/‖W_before‖', () => {
    const lr = 0.1;
    // 500 / 50 = 10 updates per epoch: evaluations after updates 0, 10, 20 and the final one after update 24.
    const spec = trainSpec({ dtype: 'float64', optimizer: { type: 'sgd', lr }, network: { hiddenSizes: [8, 6] }, training: { iterations: 25, batchSize: 50, trainSubset: 500, evaluationSamples: 20 } });
    const trainer = new Trainer(spec, mnist, backend);
    const records: EvaluationRecord[] = [];
    const weightNorms = new Map<number, number[]>();
    while (!trainer.finished) {
      // ‖W_before‖ per layer, before the update each record will follow.
      weightNorms.set(trainer.iteration + 1, trainer.net.weightLayers.map((a) => Math.sqrt(Array.from(a.W.data).reduce((sum, v) => sum + v * v, 0))));
      const { evaluation } = trainer.advance();
      if (evaluation) records.push(evaluation);
    }
    const final = trainer.finalEvaluation();
    if (final) records.push(final);
    expect(records.map((r) => [r.iteration, r.final, r.gradients?.length])).toEqual([[1, false, 3], [11, false, 3], [21, false, 3], [25, true, 3]]);
    for (const record of records) {
      record.gradients!.forEach((layer, l) => {
        const ratio = (lr * layer.weightNorm) / weightNorms.get(record.iteration)![l];
        // Float64 rounding of the update, the difference and the norms: a few units of 2^-53 (see gradient-flow.test.ts).
        expect(Math.abs(layer.updateRatio - ratio), `iteration ${record.iteration} layer ${l + 1}`).toBeLessThanOrEqual(1e-15);
        expect(layer.weightNorm).toBeGreaterThan(0);
      });
    }
    // An evaluation asked for between updates measures the weights, not an update: it has no gradient flow.
    expect(trainer.evaluate().gradients).toBeUndefined();
  });

  it('continues recording the gradient flow after a restore from a snapshot', () => {
    const spec = trainSpec({ network: { hiddenSizes: [8] }, training: { iterations: 30, batchSize: 50, trainSubset: 500, evaluationSamples: 20 } });
    const whole = new Trainer(spec, mnist, backend);
    const all: EvaluationRecord[] = [];
    whole.run({ onEvaluation: (r) => all.push(r) });
    const first = new Trainer(spec, mnist, backend);
    for (let i = 0; i < 15; i++) first.advance();
    const { tensors, meta } = first.snapshot();
    const resumed = new Trainer(spec, mnist, backend);
    resumed.restore(tensors, meta);
    const after: EvaluationRecord[] = [];
    resumed.run({ onEvaluation: (r) => after.push(r) });
    // The same updates on the same random stream: the same gradient flow, bit for bit.
    expect(after.map((r) => r.iteration)).toEqual([21, 30]);
    expect(after).toEqual(all.slice(-2));
    expect(after.every((r) => r.gradients?.length === 2)).toBe(true);
  });

  describe('sparse and dense first-layer input', () => {
    /** The loss after every update and every evaluation record (by iteration) of one run. */
    function runWith(input: InputFormat, config: TrainSpecInput, b: Backend): { format: string; losses: number[]; records: EvaluationRecord[] } {
      const trainer = new Trainer(trainSpec(config), mnist, b, { input });
      const losses: number[] = [];
      const records: EvaluationRecord[] = [];
      trainer.run({ onIteration: (_, loss) => losses.push(loss), onEvaluation: (r) => records.push(r) });
      records.sort((p, q) => p.iteration - q.iteration || Number(p.final) - Number(q.final));
      return { format: trainer.inputFormat, losses, records };
    }

    it('give the same float64 loss curve and evaluations (within 1e-9 relative) over 300 updates (100 on the TypeScript backend)', () => {
      // The native backend where it loads (the one the app trains with), else the TypeScript one, on fewer updates.
      const b = nativeForTests.backend ?? backend;
      const updates = nativeForTests.backend ? 300 : 100;
      // 2000 training samples of 100: an evaluation every 20 updates (and a final one), on 300 samples.
      const config: TrainSpecInput = {
        seed: 17,
        dtype: 'float64',
        network: { hiddenSizes: [50] },
        training: { iterations: updates, batchSize: 100, trainSubset: 2000, evaluationSamples: 300 },
      };
      const sparse = runWith('sparse', config, b);
      const dense = runWith('dense', config, b);
      expect([sparse.format, dense.format]).toEqual(['sparse', 'dense']);
      expect(sparse.losses).toHaveLength(updates);
      expect(dense.losses).toHaveLength(updates);
      // Same products, summed in another order: float64 rounding (~1e-16 per step) grows over 300 SGD steps
      // but stays far below 1e-9. A wrong pixel, scale or dW would change the loss at the first update.
      for (let i = 0; i < updates; i++) expect(Math.abs(sparse.losses[i] - dense.losses[i]), `loss ${i}`).toBeLessThanOrEqual(1e-9 * Math.abs(dense.losses[i]));
      expect(dense.losses[updates - 1]).toBeLessThan(dense.losses[0] * 0.7); // it did learn
      expect(sparse.records.map((r) => [r.iteration, r.final])).toEqual(dense.records.map((r) => [r.iteration, r.final]));
      expect(sparse.records).toHaveLength(updates / 20 + 1);
      for (let k = 0; k < dense.records.length; k++) {
        const [s, d] = [sparse.records[k], dense.records[k]];
        for (const key of ['trainAccuracy', 'testAccuracy', 'trainLoss', 'testLoss', 'epoch'] as const) {
          expect(Math.abs(s[key] - d[key]), `record ${k} ${key}`).toBeLessThanOrEqual(1e-9 * Math.abs(d[key]));
        }
      }
    });

    it('are bit-identical on the TypeScript backend (same terms in the same order, zeros skipped)', () => {
      const config: TrainSpecInput = { seed: 3, network: { hiddenSizes: [20] }, training: { iterations: 20, batchSize: 50, trainSubset: 500, evaluationSamples: 100 } };
      const sparse = runWith('sparse', config, backend);
      const dense = runWith('dense', config, backend);
      expect(sparse.losses).toHaveLength(20);
      expect(sparse.losses).toEqual(dense.losses);
      expect(sparse.records).toEqual(dense.records);
    });

    it('\'auto\' picks sparse for MNIST, dense for dense images and for rows too wide for Uint16 columns', () => {
      const small = { network: { hiddenSizes: [4] }, training: { iterations: 1, evaluationSamples: 10 } };
      expect(pixelDensity(mnist.train.images, mnist.train.count, 784)).toBeLessThan(SPARSE_DENSITY_LIMIT); // ~0.19
      expect(new Trainer(trainSpec(small), mnist, backend).inputFormat).toBe('sparse'); // 'auto' is the default
      expect(new Trainer(trainSpec(small), mnist, backend, { input: 'auto' }).inputFormat).toBe('sparse');
      expect(new Trainer(trainSpec(small), mnist, backend, { input: 'dense' }).inputFormat).toBe('dense');

      // Generated sets: half the pixels nonzero (Fashion-MNIST's ~50 %), every pixel, 5 %, and all-zero rows of
      // 65537 pixels, which a Uint16 column cannot address: 'auto' stays dense there and 'sparse' is refused.
      const synthetic = (pixels: number, density: number): Dataset => {
        const rng = new Rng(pixels);
        const split = (count: number) => {
          const images = new Uint8Array(count * pixels);
          for (let i = 0; i < images.length; i++) if (rng.uniform() < density) images[i] = 1 + rng.integer(255);
          return { images, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count, rows: 1, cols: pixels };
        };
        return { name: 'synthetic', directory: '/nonexistent', train: split(20), test: split(10), classes: 10 };
      };
      const tiny = (pixels: number) => trainSpec({ network: { inputSize: pixels, hiddenSizes: [4] }, training: { iterations: 1, batchSize: 5 } });
      const fashionLike = synthetic(784, 0.5);
      expect(pixelDensity(fashionLike.train.images, fashionLike.train.count, 784)).toBeGreaterThan(SPARSE_DENSITY_LIMIT);
      expect(new Trainer(tiny(784), fashionLike, backend).inputFormat).toBe('dense');
      expect(new Trainer(tiny(64), synthetic(64, 1), backend).inputFormat).toBe('dense');
      expect(new Trainer(tiny(64), synthetic(64, 1), backend, { input: 'sparse' }).inputFormat).toBe('sparse');
      expect(new Trainer(tiny(64), synthetic(64, 0.05), backend).inputFormat).toBe('sparse');
      const wide = synthetic(65537, 0);
      expect(new Trainer(tiny(65537), wide, backend).inputFormat).toBe('dense');
      expect(() => new Trainer(tiny(65537), wide, backend, { input: 'sparse' })).toThrow(/65536/);
    });
  });
});
