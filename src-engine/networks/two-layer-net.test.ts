import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../dataset';
import { bundledMnistDirectory, loadIdxDataset } from '../../src-services/data/load-dataset';
import { createTsBackend } from '../backends/ts-backend';
import { meanAbsoluteDifferences } from '../gradient';
import { Rng } from '../rng';
import { Tensor } from '../tensor';
import { MultiLayerNet, weightScale } from './multi-layer-net';
import { TwoLayerNet } from './two-layer-net';

const backend = createTsBackend();
let mnist: Dataset;

beforeAll(async () => {
  mnist = await loadIdxDataset(bundledMnistDirectory());
});

/** The first n training images as float64 in [0, 1] and their one-hot labels, as load_mnist returns them. */
function firstImages(n: number): { x: Tensor; t: Tensor } {
  const x = Tensor.zeros([n, 784], 'float64');
  backend.gatherRows(mnist.train.images, 784, Int32Array.from({ length: n }, (_, i) => i), 1 / 255, x.data);
  const t = Tensor.zeros([n, 10], 'float64');
  for (let i = 0; i < n; i++) t.data[i * 10 + mnist.train.labels[i]] = 1;
  return { x, t };
}

describe('TwoLayerNet(784, 50, 10) gradient check on the first 3 MNIST images (book 5.7.3)', () => {
  it('backprop matches the numerical gradient: mean |diff| <= 1e-6 with the loss\'s 1e-7, <= 1e-9 without', () => {
    const { x, t } = firstImages(3);
    for (const [delta, bound] of [[1e-7, 1e-6], [0, 1e-9]] as const) {
      const net = new TwoLayerNet(784, 50, 10, 0.01, { backend, dtype: 'float64', rng: new Rng(0) });
      net.lastLayer.delta = delta;
      const numerical = net.numericalGradient(x, t);
      const backprop = net.gradient(x, t);
      const diff = meanAbsoluteDifferences(backprop, numerical);
      expect(Object.keys(diff)).toEqual(['W1', 'b1', 'W2', 'b2']);
      for (const [key, value] of Object.entries(diff)) {
        expect(value, `${key} (delta ${delta})`).toBeLessThanOrEqual(bound);
      }
      // the check is meaningful only if the gradients are not themselves tiny
      expect(meanAbsoluteDifferences(backprop, { W1: Tensor.zeros([784, 50], 'float64'), b1: Tensor.zeros([50], 'float64'), W2: Tensor.zeros([50, 10], 'float64'), b2: Tensor.zeros([10], 'float64') }).b2).toBeGreaterThan(1e-3);
    }
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
    const { x, t } = firstImages(2);
    const net = new MultiLayerNet(
      { hiddenSizes: [8, 6], activation: 'sigmoid', weightInit: 'xavier', weightDecay: 0.1, lossDelta: 0 },
      { backend, dtype: 'float64', rng: new Rng(11) },
    );
    const diff = meanAbsoluteDifferences(net.gradient(x, t), net.numericalGradient(x, t));
    for (const [key, value] of Object.entries(diff)) expect(value, key).toBeLessThanOrEqual(1e-8);
  });

  it('accuracy compares the argmax of the scores with labels or one-hot rows', () => {
    const { x, t } = firstImages(5);
    const net = new MultiLayerNet({}, { backend, dtype: 'float64', rng: new Rng(0) });
    const labels = Int32Array.from(mnist.train.labels.subarray(0, 5));
    const a = net.accuracy(x, labels);
    expect(net.accuracy(x, t)).toBe(a);
    expect(a * 5).toBe(Math.round(a * 5));
  });
});
