import { beforeAll, describe, it } from 'vitest';
import type { Dataset } from '../dataset';
import { nativeForTests } from '../../src-services/backends/native-for-tests';
import { bundledMnistDirectory, loadIdxDataset } from '../../src-services/data/load-dataset';
import { checkTwoLayerNet } from '../test-support/two-layer-net-check';

let mnist: Dataset;
beforeAll(async () => {
  mnist = await loadIdxDataset(bundledMnistDirectory());
});

describe.skipIf(!nativeForTests.backend)('chapter 5.7.3: the TwoLayerNet gradient check over every weight', () => {
  it('mean |backprop - numerical| <= 1e-6 with the loss\'s 1e-7, <= 1e-9 without, over every entry of W1 (native backend)', () => {
    checkTwoLayerNet(mnist, nativeForTests.backend!, false);
  });
});
