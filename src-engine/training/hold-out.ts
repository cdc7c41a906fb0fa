import type { Dataset, DatasetSplit } from '../dataset';
import { Rng } from '../rng';
import type { TrainSpec } from './train-spec';

function rowsOf(split: DatasetSplit, indices: ArrayLike<number>): DatasetSplit {
  const size = split.rows * split.cols;
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    images.set(split.images.subarray(indices[i] * size, (indices[i] + 1) * size), i * size);
    labels[i] = split.labels[indices[i]];
  }
  return { images, labels, count: indices.length, rows: split.rows, cols: split.cols };
}

/**
 * The book's hyperparameter search data (hyperparameter_optimization.py): the first trainSubset training
 * samples, shuffled, the first `validationFraction` of them held out for validation. The hold-out takes the
 * test split's place, so evaluations report validation accuracy as "test".
 */
export function holdOutValidation(dataset: Dataset, spec: Pick<TrainSpec, 'training' | 'seed'>): Dataset {
  const { trainSubset, validationFraction } = spec.training;
  const count = Math.min(trainSubset ?? dataset.train.count, dataset.train.count);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  // Its own stream, so the same seed gives the same split whatever the network draws.
  new Rng((spec.seed ^ 0x9e3779b9) >>> 0).shuffle(order);
  const validation = Math.floor(count * validationFraction);
  if (validation < 1 || validation >= count) throw new RangeError(`training.validationFraction ${validationFraction} of ${count} samples leaves no validation or no training set`);
  return { ...dataset, test: rowsOf(dataset.train, order.subarray(0, validation)), train: rowsOf(dataset.train, order.subarray(validation)) };
}
