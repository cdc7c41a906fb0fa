import { iterationsPerEpoch } from '../../src-engine/training/train-spec';
import type { TrainConfig } from '../../src-shared/config';
import type { TimeAnchors } from './curves';

/** What the loss chart puts along x. */
export type XMode = 'iteration' | 'epoch' | 'time';

export const X_LABELS: Readonly<Record<XMode, string>> = { iteration: 'iteration', epoch: 'epoch', time: 'seconds' };

/** Turns iterations into x values and back, for one curve. */
export interface XScale {
  toX(iteration: number): number;
  toIteration(x: number): number;
}

const identity: XScale = { toX: (i) => i, toIteration: (x) => x };

/**
 * The curve's x scale in this mode, or why it cannot have one: epochs need the iterations per epoch, time
 * needs the run's time stamps (runs stored before they were kept have none).
 */
export function xScale(mode: XMode, iterationsPerEpoch: number | undefined, times: TimeAnchors): XScale | string {
  if (mode === 'iteration') return identity;
  if (mode === 'epoch') {
    if (!iterationsPerEpoch || !(iterationsPerEpoch > 0)) return 'the iterations per epoch are not known yet (no evaluation so far)';
    return { toX: (i) => i / iterationsPerEpoch, toIteration: (x) => x * iterationsPerEpoch };
  }
  if (times.length === 0) return 'this run was stored without time stamps';
  // Piecewise linear through (0, 0) and the anchors; past the last one at its average rate.
  const anchors: Array<readonly [number, number]> = times[0]![0] > 0 ? [[0, 0], ...times] : [...times];
  return {
    toX: (i) => interpolate(anchors, i, 0, 1),
    toIteration: (x) => interpolate(anchors, x, 1, 0),
  };
}

/** y at x along the polyline of `points` (sorted by their `from` coordinate), extended at its ends. */
function interpolate(points: ReadonlyArray<readonly [number, number]>, x: number, from: 0 | 1, to: 0 | 1): number {
  if (points.length === 1) return points[0]![to];
  let lo = 0;
  let hi = points.length - 1;
  // The segment [lo, lo + 1] that holds x (or the first/last one outside).
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid]![from] <= x) lo = mid;
    else hi = mid;
  }
  const a = points[lo]!;
  const b = points[lo + 1]!;
  const span = b[from] - a[from];
  return span === 0 ? a[to] : a[to] + ((x - a[from]) / span) * (b[to] - a[to]);
}

/** MNIST's training set: the size the bundled dataset's epochs are counted in. */
const MNIST_TRAIN_SIZE = 60_000;

/**
 * Iterations per epoch: measured from the run's evaluations (iteration / epoch) once there is one, else the
 * book's train_size / batch_size from the config where the train set's size is known (MNIST or a subset).
 */
export function iterationsPerEpochOf(evaluations: ReadonlyArray<{ iteration: number; epoch: number }>, config: TrainConfig): number | undefined {
  const measured = evaluations.find((e) => e.epoch > 0 && e.iteration > 0);
  if (measured) return measured.iteration / measured.epoch;
  // A held-out validation set shrinks the train set by a rounding the first evaluation will tell.
  if (config.training.validationFraction > 0) return undefined;
  const trainSize = config.training.trainSubset ?? (config.dataset.kind === 'mnist' ? MNIST_TRAIN_SIZE : undefined);
  return trainSize === undefined ? undefined : iterationsPerEpoch(config.training, trainSize);
}
