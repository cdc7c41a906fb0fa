import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../dataset';
import { createTsBackend } from '../backends/ts-backend';
import { nativeForTests } from '../../src-services/backends/native-for-tests';
import { bundledMnistDirectory, loadIdxDataset } from '../../src-services/data/load-dataset';
import { Trainer } from '../training/trainer';
import { trainSpec } from '../training/train-spec';

let mnist: Dataset;
beforeAll(async () => {
  mnist = await loadIdxDataset(bundledMnistDirectory());
});

describe('chapter 5.7.4: training the TwoLayerNet (train_neuralnet.py)', () => {
  it('a short run of the book\'s TwoLayerNet reaches >= 0.90 test accuracy on the full test set', () => {
    // Either backend learns the same; the native one, where it loads, evaluates the 70000 images in a blink.
    const trainer = new Trainer(trainSpec({ training: { iterations: 800, evaluateEvery: 100000 } }), mnist, nativeForTests.backend ?? createTsBackend());
    const result = trainer.run();
    expect(result.status).toBe('completed');
    expect(result.testAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.trainAccuracy).toBeGreaterThanOrEqual(0.88);
  });
});
