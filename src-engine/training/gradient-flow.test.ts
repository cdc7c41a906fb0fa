import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../backend';
import type { Dataset } from '../dataset';
import { nativeForTests, requireNative } from '../../src-services/backends/native-for-tests';
import { bundledMnistDirectory, loadIdxDataset } from '../../src-services/data/load-dataset';
import { createTsBackend } from '../backends/ts-backend';
import { MultiLayerNet } from '../networks/multi-layer-net';
import type { NetworkSpec } from '../networks/network-spec';
import { createOptimizer, type OptimizerSpec } from '../optimizers';
import { Rng } from '../rng';
import { Tensor } from '../tensor';
import { measureGradientFlow, type LayerGradientFlow } from './gradient-flow';
import { PIXEL_SCALE } from './split-images';

let mnist: Dataset;
beforeAll(async () => {
  mnist = await loadIdxDataset(bundledMnistDirectory());
});

/** float64's unit roundoff: the relative error of one rounded operation. */
const U = 2 ** -53;

/** sqrt(Σ v²) in plain float64, left to right (the TypeScript backend's order). */
const norm = (t: Tensor): number => Math.sqrt(Array.from(t.data).reduce((sum, v) => sum + v * v, 0));

/** A fresh float64 net on the first `rows` MNIST training images. */
function setUp(network: Partial<NetworkSpec>, backend: Backend, rows = 10): { net: MultiLayerNet; x: Tensor; labels: Int32Array } {
  const net = new MultiLayerNet(network, { backend, dtype: 'float64', rng: new Rng(3) });
  const x = Tensor.zeros([rows, 784], 'float64');
  const indices = Int32Array.from({ length: rows }, (_, i) => i);
  net.ops.gatherRows(mnist.train.images, indices, PIXEL_SCALE, x);
  return { net, x, labels: Int32Array.from(indices, (i) => mnist.train.labels[i]) };
}

/** Backprop on the batch, then one optimizer update measured by measureGradientFlow. */
function measuredUpdate(net: MultiLayerNet, x: Tensor, labels: Int32Array, optimizer: OptimizerSpec): LayerGradientFlow[] {
  const grads = net.gradient(x, labels);
  const scratch = net.affines.map((a) => Tensor.zeros(a.W.shape, 'float64'));
  const update = createOptimizer(optimizer, net.ops);
  return measureGradientFlow(net.affines, net.ops, scratch, () => update.update(net.params, grads));
}

describe('measureGradientFlow', () => {
  // Sigmoid and lossDelta 0: the float64 gradient check then holds to rounding (see multi-layer-net-extend.test.ts).
  const network: Partial<NetworkSpec> = { hiddenSizes: [12, 8], activation: 'sigmoid', weightInit: 'xavier', weightDecay: 0.1, lossDelta: 0 };

  it('gives ‖∂L/∂W‖ and ‖∂L/∂b‖ of the gradient check\'s gradients, weight decay\'s λW included (float64)', () => {
    const { net, x, labels } = setUp(network, nativeForTests.backend ?? createTsBackend());
    // The numerical gradient of the loss with its ½λΣW² term, taken before the update changes the weights.
    const numerical = net.numericalGradient(x, labels);
    const flow = measuredUpdate(net, x, labels, { type: 'sgd', lr: 0.1 });
    expect(flow).toHaveLength(3);
    flow.forEach((layer, l) => {
      for (const [key, measured] of [[`W${l + 1}`, layer.weightNorm], [`b${l + 1}`, layer.biasNorm]] as const) {
        const check = numerical[key];
        // |‖a‖ − ‖b‖| ≤ ‖a − b‖, and central differences (h = 1e-4, float64) agree with backprop within the gradient
        // check's bound, a mean of 1e-9 per entry: here the norms agree to 2e-11–7e-11 on norms of 0.03 to 0.6.
        expect(Math.abs(measured - norm(check)), key).toBeLessThanOrEqual(1e-9);
        expect(measured, key).toBeGreaterThan(1e-4);
      }
    });
  });

  it('is exactly sqrt(Σ dW²) of the net\'s gradient, and for SGD the update ratio is lr·‖dW‖/‖W‖ to float64 rounding', () => {
    const lr = 0.5;
    const { net, x, labels } = setUp(network, createTsBackend());
    net.gradient(x, labels);
    const expected = net.affines.map((a) => ({ weightNorm: norm(a.dW), biasNorm: norm(a.db), weightSize: norm(a.W) }));
    // measuredUpdate backprops the same batch once more: the same gradient, bit for bit.
    const flow = measuredUpdate(net, x, labels, { type: 'sgd', lr });
    flow.forEach((layer, l) => {
      // Same sums in the same order as the TypeScript backend's sumSquares: the very same bits.
      expect(layer.weightNorm).toBe(expected[l].weightNorm);
      expect(layer.biasNorm).toBe(expected[l].biasNorm);
      // W_after = fl(W − lr·dW) and the difference W_after − W_before each round once per entry (relative U of
      // |W| at most), and the norms and the quotient add a few U more: within 4U·(1 + ratio) of the exact ratio.
      const ratio = (lr * expected[l].weightNorm) / expected[l].weightSize;
      expect(Math.abs(layer.updateRatio - ratio), `layer ${l + 1}`).toBeLessThanOrEqual(4 * U * (1 + ratio));
      expect(ratio).toBeGreaterThan(1e-4);
    });
  });

  it('measures what other optimizers move: Momentum\'s first step is SGD\'s, Adam\'s first moves every weight by about lr', () => {
    const lr = 0.01;
    const momentum = (() => {
      const { net, x, labels } = setUp(network, createTsBackend());
      return measuredUpdate(net, x, labels, { type: 'momentum', lr, momentum: 0.9 });
    })();
    const sgd = (() => {
      const { net, x, labels } = setUp(network, createTsBackend());
      return measuredUpdate(net, x, labels, { type: 'sgd', lr });
    })();
    // v = 0.9·0 − lr·dW, W += v: the same update as SGD's, in another order of rounding.
    momentum.forEach((layer, l) => {
      expect(layer.weightNorm).toBe(sgd[l].weightNorm);
      expect(Math.abs(layer.updateRatio - sgd[l].updateRatio)).toBeLessThanOrEqual(4 * U);
    });
    // Adam's first step (bias correction folded into the rate) moves each weight by lr·g/(|g| + 1e-7/sqrt(0.001)):
    // under lr, and over 0.96·lr where |g| > 1e-4. So ‖ΔW‖ lies between lr·sqrt(#{|g| > 1e-4})·0.96 and
    // lr·sqrt(#{g ≠ 0}), whatever the gradient's size (pixels without ink in these images give g = 0 exactly).
    const { net, x, labels } = setUp(network, createTsBackend());
    const before = net.affines.map((a) => norm(a.W));
    const adam = measuredUpdate(net, x, labels, { type: 'adam', lr, beta1: 0.9, beta2: 0.999 });
    adam.forEach((layer, l) => {
      const g = Array.from(net.affines[l].dW.data);
      const count = (above: number): number => g.filter((v) => Math.abs(v) > above).length;
      const moved = layer.updateRatio * before[l];
      expect(moved, `layer ${l + 1}`).toBeLessThanOrEqual(lr * Math.sqrt(count(0)));
      expect(moved, `layer ${l + 1}`).toBeGreaterThanOrEqual(0.96 * lr * Math.sqrt(count(1e-4)));
      expect(count(1e-4)).toBeGreaterThan(0);
    });
  });

  it.skipIf(!nativeForTests.backend)('gives the same numbers on the native backend as on the TypeScript one (float64, within 1e-12)', () => {
    const native = requireNative();
    const measure = (backend: Backend): LayerGradientFlow[] => {
      const { net, x, labels } = setUp(network, backend);
      return measuredUpdate(net, x, labels, { type: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999 });
    };
    const [ts, cpp] = [measure(createTsBackend()), measure(native)];
    cpp.forEach((layer, l) => {
      for (const key of ['weightNorm', 'biasNorm', 'updateRatio'] as const) expect(Math.abs(layer[key] - ts[l][key]), `${key} ${l + 1}`).toBeLessThanOrEqual(1e-12 * ts[l][key]);
    });
  });

  it('shows BatchNorm\'s zero bias gradient: the mean it subtracts takes any shift b makes (rounding only, both backends)', () => {
    for (const backend of [createTsBackend(), ...(nativeForTests.backend ? [nativeForTests.backend] : [])]) {
      const { net, x, labels } = setUp({ ...network, batchNorm: true }, backend);
      const flow = measuredUpdate(net, x, labels, { type: 'sgd', lr: 0.1 });
      // The hidden Affines feed a BatchNorm: ∂L/∂b = 0 up to float64 rounding of sums of order ‖dW‖.
      for (const l of [0, 1]) expect(flow[l].biasNorm, `${backend.name} b${l + 1}`).toBeLessThanOrEqual(1e-12 * flow[l].weightNorm);
      expect(flow[2].biasNorm).toBeGreaterThan(1e-3);
    }
  });
});

describe('the vanishing gradient of chapter 6, in numbers', () => {
  // Five sigmoid layers of 100 with std 0.01: each backward through a layer multiplies the gradient by about
  // 0.25 (sigmoid's slope at 0) times 0.01·sqrt(100) = 0.1 (the weights), so Affine1 gets ~1/40 of Affine2's
  // per layer. BatchNorm re-scales each layer's input and the gradient through it back to order one.
  const deep: Partial<NetworkSpec> = { hiddenSizes: [100, 100, 100, 100, 100], activation: 'sigmoid', weightInit: 0.01 };
  const firstOverLast = (flow: readonly LayerGradientFlow[]): number => flow[0].weightNorm / flow[flow.length - 1].weightNorm;

  it('shrinks ‖∂L/∂W1‖ to under 1e-6 of the output layer\'s without BatchNorm, and not with it', () => {
    const plain = setUp(deep, createTsBackend(), 100);
    const withBatchNorm = setUp({ ...deep, batchNorm: true }, createTsBackend(), 100);
    const vanishing = measuredUpdate(plain.net, plain.x, plain.labels, { type: 'sgd', lr: 0.1 });
    const restored = measuredUpdate(withBatchNorm.net, withBatchNorm.x, withBatchNorm.labels, { type: 'sgd', lr: 0.1 });
    expect(firstOverLast(vanishing)).toBeLessThan(1e-6);
    expect(firstOverLast(restored)).toBeGreaterThan(1e-2);
    // Every hidden layer's gradient is smaller than the one after it, by at least 10x, without BatchNorm.
    for (let l = 0; l < 5; l++) expect(vanishing[l].weightNorm * 10).toBeLessThan(vanishing[l + 1].weightNorm);
  });
});
