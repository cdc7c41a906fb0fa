import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../dataset';
import { nativeForTests } from '../../src-services/backends/native-for-tests';
import { bundledMnistDirectory, loadIdxDataset } from '../../src-services/data/load-dataset';
import { createTsBackend } from '../backends/ts-backend';
import { runGradientCheck } from '../gradient-check';
import { trainSpec } from '../training/train-spec';

let mnist: Dataset;
beforeAll(async () => {
  mnist = await loadIdxDataset(bundledMnistDirectory());
});

describe('MultiLayerNetExtend: BatchNormalization and Dropout', () => {
  it('gradient checks pass with BatchNormalization and weight decay, and with dropout on a fixed mask (float64)', () => {
    // Every entry of every parameter: on the native backend where it loads (seconds), else on the TypeScript one.
    const backend = nativeForTests.backend ?? createTsBackend();
    // Sigmoid, not ReLU: a central difference with h = 1e-4 that straddles ReLU's kink disagrees with any
    // correct backprop (BN centres its outputs right on it), and that is not what these checks are about.
    for (const network of [
      { hiddenSizes: [12, 8], batchNorm: true, weightDecay: 0.1, activation: 'sigmoid' as const, weightInit: 'xavier' as const, lossDelta: 0 },
      { hiddenSizes: [12, 8], dropout: 0.3, activation: 'sigmoid' as const, weightInit: 'xavier' as const, lossDelta: 0 },
      { hiddenSizes: [12, 8], batchNorm: true, dropout: 0.2, invertedDropout: true, activation: 'sigmoid' as const, weightInit: 'xavier' as const, lossDelta: 0 },
    ]) {
      const spec = trainSpec({ network, dtype: 'float64', seed: 3 });
      // Ten images: over three, a normalised feature's variance is tiny and the loss so curved that the central
      // difference's own truncation error (h^2 f'''/6) passes the 1e-9 rounding bound.
      const { differences, bound } = runGradientCheck(spec, mnist, backend, 10);
      if (network.batchNorm) expect(Object.keys(differences)).toEqual(expect.arrayContaining(['gamma1', 'beta1', 'gamma2', 'beta2']));
      for (const [key, difference] of Object.entries(differences)) expect(difference, `${key} ${JSON.stringify(network)}`).toBeLessThanOrEqual(bound);
    }
  });
});
