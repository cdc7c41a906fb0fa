import type { TrainConfig } from '../src-shared/config';
import type { Dataset } from './dataset';
import type { Backend } from './backend';
import { gradientCheckBound, meanAbsoluteDifferences } from './gradient';
import { MultiLayerNet } from './networks/multi-layer-net';
import { Rng } from './rng';
import { Tensor } from './tensor';

export interface GradientCheckResult {
  /** mean |backprop - numerical| per parameter (W1, b1, ...). */
  readonly differences: Record<string, number>;
  /** The dtype's bound (see gradientCheckBound); every difference at or below it passes. */
  readonly bound: number;
}

/** The book's gradient_check.py for any configured network: fresh weights, the first `samples` training images. */
export function runGradientCheck(config: TrainConfig, dataset: Dataset, backend: Backend, samples: number): GradientCheckResult {
  const pixels = dataset.train.rows * dataset.train.cols;
  const rows = Math.min(samples, dataset.train.count);
  const net = new MultiLayerNet(config.network, { backend, dtype: config.dtype, rng: new Rng(config.seed) });
  const x = Tensor.zeros([rows, pixels], config.dtype);
  const indices = Int32Array.from({ length: rows }, (_, i) => i);
  backend.gatherRows(dataset.train.images, pixels, indices, 1 / 255, x.data);
  const labels = Int32Array.from(indices, (i) => dataset.train.labels[i]);
  // With dropout the mask is drawn once and kept, so both gradients see the same network.
  const [numerical, backprop] = net.withFrozenDropout(x, labels, () => [net.numericalGradient(x, labels), net.gradient(x, labels)] as const);
  return {
    differences: meanAbsoluteDifferences(backprop, numerical),
    bound: gradientCheckBound(config.dtype, config.network.lossDelta),
  };
}
