import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../dataset';
import { bundledMnistDirectory, loadIdxDataset } from '../../src-services/data/load-dataset';
import { createTsBackend } from '../backends/ts-backend';
import { meanAbsoluteDifferences } from '../gradient';
import { Rng } from '../rng';
import { MultiLayerNet, weightScale } from './multi-layer-net';
import { checkTwoLayerNet, firstImages } from '../test-support/two-layer-net-check';

const backend = createTsBackend();
let mnist: Dataset;

beforeAll(async () => {
  mnist = await loadIdxDataset(bundledMnistDirectory());
});

describe('TwoLayerNet(784, 50, 10) gradient check on the first 3 MNIST images (book 5.7.3)', () => {
  it('backprop matches the numerical gradient: mean |diff| <= 1e-6 with the loss\'s 1e-7, <= 1e-9 without (TypeScript backend, W1 sampled)', () => {
    checkTwoLayerNet(mnist, backend, true);
  });
});

describe('MultiLayerNet', () => {
  it('shares parameters by reference with its Affine layers and skips the first layer\'s dx', () => {
    const net = new MultiLayerNet({ hiddenSizes: [20, 10], weightInit: 'he' }, { backend, dtype: 'float32', rng: new Rng(3) });
    expect(Object.keys(net.params)).toEqual(['W1', 'b1', 'W2', 'b2', 'W3', 'b3']);
    expect(net.affines[0].W).toBe(net.params.W1);
    expect(net.affines[2].b).toBe(net.params.b3);
    expect(net.affines[0].computeInputGradient).toBe(false);
    expect(net.layers.map((l) => l.name)).toEqual(['Affine1', 'Relu1', 'Affine2', 'Relu2', 'Affine3']);
  });

  it('draws weights with the requested scale (std, He, Xavier) and zero biases', () => {
    expect(weightScale(0.01, 784)).toBe(0.01);
    expect(weightScale('he', 50)).toBeCloseTo(0.2, 15);
    expect(weightScale('xavier', 100)).toBeCloseTo(0.1, 15);
    const net = new MultiLayerNet({ inputSize: 400, hiddenSizes: [300], weightInit: 'relu' }, { backend, dtype: 'float64', rng: new Rng(5) });
    const W1 = net.params.W1.data;
    let sq = 0;
    for (let i = 0; i < W1.length; i++) sq += W1[i] * W1[i];
    // 120000 draws: the sample std is within ~0.3% of sqrt(2/400) with overwhelming probability.
    expect(Math.sqrt(sq / W1.length)).toBeCloseTo(Math.sqrt(2 / 400), 3);
    expect(Array.from(net.params.b1.data).every((v) => v === 0)).toBe(true);
  });

  it('a deeper sigmoid net with weight decay passes the gradient check in float64', () => {
    const { x, t } = firstImages(mnist, 2);
    const net = new MultiLayerNet(
      { hiddenSizes: [8, 6], activation: 'sigmoid', weightInit: 'xavier', weightDecay: 0.1, lossDelta: 0 },
      { backend, dtype: 'float64', rng: new Rng(11) },
    );
    const diff = meanAbsoluteDifferences(net.gradient(x, t), net.numericalGradient(x, t));
    for (const [key, value] of Object.entries(diff)) expect(value, key).toBeLessThanOrEqual(1e-8);
  });

  it('accuracy compares the argmax of the scores with labels or one-hot rows', () => {
    const { x, t } = firstImages(mnist, 5);
    const net = new MultiLayerNet({}, { backend, dtype: 'float64', rng: new Rng(0) });
    const labels = Int32Array.from(mnist.train.labels.subarray(0, 5));
    const a = net.accuracy(x, labels);
    expect(net.accuracy(x, t)).toBe(a);
    expect(a * 5).toBe(Math.round(a * 5));
  });
});
