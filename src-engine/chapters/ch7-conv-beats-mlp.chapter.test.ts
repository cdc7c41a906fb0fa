import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../dataset';
import { nativeForTests } from '../../src-services/backends/native-for-tests';
import { bundledMnistDirectory, loadIdxDataset } from '../../src-services/data/load-dataset';
import { layerListMultiplyAdds } from '../networks/layer-list-memory';
import type { LayerListSpec } from '../networks/layer-list-spec';
import type { NetworkSpec } from '../networks/network-spec';
import { OPTIMIZER_DEFAULTS } from '../optimizers';
import { Trainer } from '../training/trainer';
import { trainSpec } from '../training/train-spec';

/**
 * Issue #17's claim, made deterministic: a convolutional network beats the MLP that costs as much. "As much"
 * is counted, not timed: the same number of updates on the same batches, where one sample's forward pass
 * through the conv net takes no more multiply-adds than through the MLP (a backward costs about twice its
 * forward for both, so a whole step does too). Conv 16 filters 5x5 -> ReLU -> pool 2x2 -> affine 10:
 * 24*24*16*25 + 2304*10 = 253,440 multiply-adds; 784-320-10: 784*320 + 320*10 = 254,080. The conv net has
 * 23,466 weights to the MLP's 254,410: its edge is the prior of shared local filters, not size.
 * Seeded; on the native backend (the TypeScript backend needs a minute for the conv net's 600 steps).
 * Measured (test accuracy on the first 2000 test images, conv vs MLP): seed 0 0.9415 vs 0.9125, seed 1
 * 0.939 vs 0.917, seed 2 0.9245 vs 0.9155; this test trains seed 0 and asks for 2 points (40 images) or more.
 */
describe.skipIf(!nativeForTests.backend)('chapter 7: a conv net beats the MLP of the same multiply-adds', () => {
  let mnist: Dataset;
  beforeAll(async () => {
    mnist = await loadIdxDataset(bundledMnistDirectory());
  });

  const conv: LayerListSpec = {
    input: [1, 28, 28],
    layers: [{ type: 'conv', filters: 16, size: 5, stride: 1, pad: 0 }, { type: 'relu' }, { type: 'pool', size: 2, stride: 2 }, { type: 'affine', units: 10 }],
    output: 10,
    weightInit: 'he',
  };
  const mlp: Partial<NetworkSpec> = { hiddenSizes: [320], weightInit: 'he' };

  /** Test accuracy after 600 Adam updates of 50 images (6 epochs of the first 5000), from seed 0. */
  function testAccuracy(network: LayerListSpec | Partial<NetworkSpec>): number {
    const spec = trainSpec({
      network,
      optimizer: OPTIMIZER_DEFAULTS.adam,
      training: { iterations: 600, batchSize: 50, trainSubset: 5000, sampling: 'shuffle', evaluateEvery: 1_000_000, evaluationSamples: 2000 },
      seed: 0,
    });
    const trainer = new Trainer(spec, mnist, nativeForTests.backend!, { backgroundEvaluation: false });
    trainer.run();
    return trainer.lastEvaluationRecord!.testAccuracy;
  }

  it('costs no more multiply-adds per sample than the 784-320-10 MLP and ends at least 2 points more accurate on the same 600 batches', () => {
    expect(layerListMultiplyAdds(conv)).toBe(253_440);
    expect(layerListMultiplyAdds(conv)).toBeLessThanOrEqual(784 * 320 + 320 * 10);
    const convAccuracy = testAccuracy(conv);
    const mlpAccuracy = testAccuracy(mlp);
    expect(convAccuracy - mlpAccuracy).toBeGreaterThanOrEqual(0.02);
    // Both learn: far above chance (0.1).
    expect(mlpAccuracy).toBeGreaterThan(0.85);
  });
});
