import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../dataset';
import { nativeForTests } from '../../src-services/backends/native-for-tests';
import { bundledMnistDirectory, loadIdxDataset } from '../../src-services/data/load-dataset';
import { OPTIMIZER_DEFAULTS } from '../optimizers';
import { Trainer } from '../training/trainer';
import { trainSpec, type TrainSpecInput } from '../training/train-spec';

let mnist: Dataset;
beforeAll(async () => {
  mnist = await loadIdxDataset(bundledMnistDirectory());
});

// The book's chapter 6 experiments: thousands of updates each, on the native backend.
describe.skipIf(!nativeForTests.backend)('MultiLayerNetExtend: the book\'s section 6.2-6.4 experiments', () => {
  function finalAccuracy(input: TrainSpecInput): { train: number; test: number; loss: number } {
    const spec = trainSpec({ ...input, training: { evaluateEvery: 1_000_000, ...input.training } });
    const trainer = new Trainer(spec, mnist, nativeForTests.backend!);
    let loss = 0;
    const iterations = trainer.totalIterations;
    for (let i = 0; i < iterations; i++) {
      const l = trainer.advance().loss;
      if (i >= iterations - 50) loss += l / 50;
    }
    const record = trainer.evaluate(true);
    return { train: record.trainAccuracy, test: record.testAccuracy, loss };
  }

  it('section 6.3.2: at a small weight scale the plain 5-layer net stays near 10 % while batch norm learns', () => {
    // batch_norm_test.py: 1000 samples, 784-[100x5]-10 ReLU, SGD lr 0.01, batch 100, 20 epochs; scale index 7 of logspace(0, -4, 16).
    const std = 10 ** ((-4 * 7) / 15);
    const base = { network: { hiddenSizes: [100, 100, 100, 100, 100], weightInit: std }, optimizer: { ...OPTIMIZER_DEFAULTS.sgd, lr: 0.01 }, training: { trainSubset: 1000, epochs: 20, batchSize: 100, evaluationSamples: 1000 }, seed: 1 };
    const plain = finalAccuracy(base);
    const bn = finalAccuracy({ ...base, network: { ...base.network, batchNorm: true } });
    expect(plain.train).toBeLessThan(0.2);
    expect(bn.train).toBeGreaterThan(0.7);
  });

  it('section 6.2.4: with std 0.01 the 5-layer ReLU net stays above 2.2 while He ends below Xavier', () => {
    const base = { network: { hiddenSizes: [100, 100, 100, 100] }, optimizer: { ...OPTIMIZER_DEFAULTS.sgd, lr: 0.01 }, training: { batchSize: 128, iterations: 2000, evaluationSamples: 100 }, seed: 0 };
    const std = finalAccuracy({ ...base, network: { ...base.network, weightInit: 0.01 } });
    const xavier = finalAccuracy({ ...base, network: { ...base.network, weightInit: 'xavier' } });
    const he = finalAccuracy({ ...base, network: { ...base.network, weightInit: 'he' } });
    expect(std.loss).toBeGreaterThan(2.2);
    expect(he.loss).toBeLessThan(xavier.loss);
  });

  it('sections 6.4.1-6.4.3: weight decay and dropout narrow the train-test gap on 300 samples', () => {
    const base = { network: { hiddenSizes: [100, 100, 100, 100, 100, 100], weightInit: 'he' as const }, optimizer: { ...OPTIMIZER_DEFAULTS.sgd, lr: 0.01 }, training: { trainSubset: 300, epochs: 201, batchSize: 100 }, seed: 0 };
    const overfit = finalAccuracy(base);
    const decay = finalAccuracy({ ...base, network: { ...base.network, weightDecay: 0.1 } });
    const dropout = finalAccuracy({ ...base, network: { ...base.network, dropout: 0.2 }, training: { ...base.training, epochs: 301 } });
    const gap = (r: { train: number; test: number }): number => r.train - r.test;
    expect(overfit.train).toBeGreaterThan(0.97);
    expect(gap(decay)).toBeLessThan(gap(overfit));
    expect(gap(dropout)).toBeLessThan(gap(overfit));
  });
});
