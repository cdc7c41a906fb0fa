import type { DType } from '../backend';
import type { LayerListSpec } from '../networks/layer-list-spec';
import { networkSpec, type NetworkSpec } from '../networks/network-spec';
import { isLayerListSpec, type AnyNetworkSpec } from '../networks/trainable-network';
import { OPTIMIZER_DEFAULTS, type OptimizerSpec } from '../optimizers';

/** How long to train, how to draw batches and when to evaluate (the book's Trainer arguments). */
export interface TrainingSchedule {
  batchSize: number;
  /** Number of parameter updates; exclusive with epochs. 10000 when neither is given. */
  iterations?: number;
  /** Epochs of train_size / batch_size updates each; exclusive with iterations. */
  epochs?: number;
  /** 'epoch' evaluates whenever iteration % (train_size / batch_size) == 0, like the book; or every N. */
  evaluateEvery: 'epoch' | number;
  /** Evaluate accuracy on the first N samples of each split only (the ch6 Trainer option); all when absent. */
  evaluationSamples?: number;
  /** 'replacement' draws each batch independently (the book); 'shuffle' walks shuffled epochs. */
  sampling: 'replacement' | 'shuffle';
  /** Train on the first N training samples only (the ch6 experiments use 300, 500 or 1000). */
  trainSubset?: number;
  /**
   * Hyperparameter search (section 6.5.3): shuffle the training samples (the first trainSubset of them) and
   * hold out this fraction as the validation set, which then takes the test set's place in evaluations.
   */
  validationFraction: number;
  /** The book records each batch's loss after the update, which costs one more forward pass. */
  recordLoss: 'after-update' | 'before-update';
}

/** Everything a training run is made of, apart from its data and backend. */
export interface TrainSpec {
  /** The book's MultiLayerNet(Extend), or a layer list (a convolutional network). */
  network: AnyNetworkSpec;
  optimizer: OptimizerSpec;
  training: TrainingSchedule;
  /** Seeds the one random stream of a run: initial weights, batches and dropout masks. */
  seed: number;
  dtype: DType;
}

/** The ch5 script's schedule (train_neuralnet.py): batches of 100 drawn with replacement, evaluated every epoch. */
export const DEFAULT_TRAINING: Readonly<TrainingSchedule> = {
  batchSize: 100,
  evaluateEvery: 'epoch',
  sampling: 'replacement',
  validationFraction: 0,
  recordLoss: 'after-update',
};

/** The book's iteration count when neither iterations nor epochs is given. */
const DEFAULT_ITERATIONS = 10000;

export interface TrainSpecInput {
  readonly network?: Partial<NetworkSpec> | LayerListSpec;
  readonly optimizer?: OptimizerSpec;
  readonly training?: Partial<TrainingSchedule>;
  readonly seed?: number;
  readonly dtype?: DType;
}

/** A full spec from the fields given: the book's ch5 run (784-50-10, SGD lr 0.1, float32, seed 0) for the others. */
export function trainSpec(given: TrainSpecInput = {}): TrainSpec {
  return {
    network: given.network && isLayerListSpec(given.network) ? given.network : networkSpec(given.network),
    optimizer: given.optimizer ?? { ...OPTIMIZER_DEFAULTS.sgd },
    training: { ...DEFAULT_TRAINING, ...given.training },
    seed: given.seed ?? 0,
    dtype: given.dtype ?? 'float32',
  };
}

/** The book's iter_per_epoch = max(train_size / batch_size, 1), a float. */
export function iterationsPerEpoch(training: TrainingSchedule, trainSize: number): number {
  return Math.max(trainSize / training.batchSize, 1);
}

/** Updates per run: the explicit count, or epochs x (train size / batch), or the book's 10000. */
export function totalIterations(training: TrainingSchedule, trainSize: number): number {
  if (training.iterations !== undefined) return training.iterations;
  if (training.epochs !== undefined) return Math.max(1, Math.floor(training.epochs * iterationsPerEpoch(training, trainSize)));
  return DEFAULT_ITERATIONS;
}
