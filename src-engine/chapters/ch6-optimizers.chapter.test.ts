import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../dataset';
import { nativeForTests } from '../../src-services/backends/native-for-tests';
import { bundledMnistDirectory, loadIdxDataset } from '../../src-services/data/load-dataset';
import { OPTIMIZER_DEFAULTS } from '../optimizers';
import { Trainer } from '../training/trainer';
import { trainSpec, type TrainSpecInput } from '../training/train-spec';

// The book's section 6.1.8 experiment (optimizer_compare_mnist.py): thousands of updates, on the native backend.
describe.skipIf(!nativeForTests.backend)('chapter 6.1.8: comparing the optimizers on MNIST', () => {
  let mnist: Dataset;
  beforeAll(async () => {
    mnist = await loadIdxDataset(bundledMnistDirectory());
  });

  /** The batch losses of a fresh run of `iterations` updates. */
  function losses(input: TrainSpecInput, iterations: number): number[] {
    const config = trainSpec({ ...input, training: { iterations, evaluateEvery: 1_000_000, evaluationSamples: 10, ...input.training } });
    const trainer = new Trainer(config, mnist, nativeForTests.backend!);
    return Array.from({ length: iterations }, () => trainer.advance().loss);
  }

  it('after 2000 iterations after 2000 iterations SGD\'s loss is above Momentum\'s, AdaGrad\'s and Adam\'s', () => {
    // The book's setup: 784-[100x4]-10 ReLU, He init, batch 128, each optimizer at its default parameters.
    const base = { network: { hiddenSizes: [100, 100, 100, 100], activation: 'relu' as const, weightInit: 'he' as const }, training: { batchSize: 128 }, seed: 0 };
    const last = (optimizer: TrainSpecInput['optimizer']): number => {
      const curve = losses({ ...base, optimizer }, 2000);
      // The mean of the last 100 batch losses: single batches are noisy.
      return curve.slice(-100).reduce((a, b) => a + b, 0) / 100;
    };
    const sgd = last({ ...OPTIMIZER_DEFAULTS.sgd, lr: 0.01 });
    const momentum = last(OPTIMIZER_DEFAULTS.momentum);
    const adagrad = last(OPTIMIZER_DEFAULTS.adagrad);
    const adam = last(OPTIMIZER_DEFAULTS.adam);
    expect(sgd).toBeGreaterThan(momentum);
    expect(sgd).toBeGreaterThan(adagrad);
    expect(sgd).toBeGreaterThan(adam);
    // The book's reference run ends near 0.16 for SGD and 0.01-0.09 for the others.
    expect(sgd).toBeGreaterThan(0.1);
    expect(Math.max(momentum, adagrad, adam)).toBeLessThan(0.15);
  });
});
