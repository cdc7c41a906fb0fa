import type { Backend } from './backend';
import type { Dataset } from './dataset';
import { gradientCheckBound, meanAbsoluteDifferences } from './gradient';
import { createNetwork } from './networks/create-network';
import { Rng } from './rng';
import { Tensor } from './tensor';
import { PIXEL_SCALE } from './training/split-images';
import type { TrainSpec } from './training/train-spec';

export interface GradientCheckResult {
  /** mean |backprop - numerical| per parameter (W1, b1, ...). */
  readonly differences: Record<string, number>;
  /** The dtype's bound (see gradientCheckBound); every difference at or below it passes. */
  readonly bound: number;
}

/** The book's gradient_check.py for any configured network: fresh weights, the first `samples` training images. */
export function runGradientCheck(spec: Pick<TrainSpec, 'network' | 'dtype' | 'seed'>, dataset: Dataset, backend: Backend, samples: number): GradientCheckResult {
  const rows = Math.min(samples, dataset.train.count);
  const net = createNetwork(spec.network, { backend, dtype: spec.dtype, rng: new Rng(spec.seed) });
  const rowsOfPixels = Tensor.zeros([rows, dataset.train.rows * dataset.train.cols], spec.dtype);
  const indices = Int32Array.from({ length: rows }, (_, i) => i);
  net.ops.gatherRows(dataset.train.images, indices, PIXEL_SCALE, rowsOfPixels);
  const x = rowsOfPixels.reshape([rows, ...net.inputShape]);
  const labels = Int32Array.from(indices, (i) => dataset.train.labels[i]);
  // With dropout the mask is drawn once and kept, so both gradients see the same network.
  const [numerical, backprop] = net.withFrozenDropout(x, labels, () => [net.numericalGradient(x, labels), net.gradient(x, labels)] as const);
  return {
    differences: meanAbsoluteDifferences(backprop, numerical),
    bound: gradientCheckBound(spec.dtype, net.lossDelta),
  };
}
