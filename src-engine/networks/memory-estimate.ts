import type { DType } from '../backend';
import type { OptimizerType } from '../optimizers';
import { EVALUATION_CHUNK, evaluationChunkRows } from '../training/evaluation';
import type { TrainSpec } from '../training/train-spec';
import { layerListParameterCount, layerListPerSample, layerListStatisticsCount } from './layer-list-memory';
import type { LayerListSpec } from './layer-list-spec';
import type { NetworkSpec } from './network-spec';
import { isLayerListSpec, type AnyNetworkSpec } from './trainable-network';

/**
 * What a network costs in memory before it is built: pure arithmetic over the spec, counting the buffers the
 * engine's layers, optimizers and evaluations allocate (see the layer classes: every forward output, every
 * backward dx, masks and caches, sized by the rows they see). Hosts compare the total with a budget before
 * they allocate anything. The dataset itself is not counted here: its size is bounded where it is read.
 */

/** One term of an estimate, with the config field that makes it grow (what to change to make it smaller). */
export interface MemoryPart {
  readonly label: string;
  readonly bytes: number;
  readonly field: string;
}

export interface MemoryEstimate {
  readonly bytes: number;
  /** In a fixed order (parameters first); empty parts left out. */
  readonly parts: readonly MemoryPart[];
}

const bytesPerValue = (dtype: DType): number => (dtype === 'float64' ? 8 : 4);

/** State tensors per parameter: the book's v, h, or Adam's m and v. */
const OPTIMIZER_STATE_TENSORS: { readonly [K in OptimizerType]: number } = { sgd: 0, momentum: 1, nesterov: 1, adagrad: 1, rmsprop: 1, adam: 2 };

const OPTIMIZER_NAMES: { readonly [K in OptimizerType]: string } = {
  sgd: 'SGD',
  momentum: 'Momentum',
  nesterov: 'Nesterov',
  adagrad: 'AdaGrad',
  rmsprop: 'RMSprop',
  adam: 'Adam',
};

type Network = Pick<NetworkSpec, 'inputSize' | 'hiddenSizes' | 'outputSize' | 'activation' | 'batchNorm' | 'dropout'>;

/** Trainable values: every W and b, and gamma and beta of each BatchNorm. */
export function parameterCount(network: Network | LayerListSpec): number {
  if (isLayerListSpec(network)) return layerListParameterCount(network);
  const sizes = [network.inputSize, ...network.hiddenSizes, network.outputSize];
  let count = 0;
  for (let l = 1; l < sizes.length; l++) count += sizes[l - 1] * sizes[l] + sizes[l];
  if (network.batchNorm) for (const h of network.hiddenSizes) count += 2 * h;
  return count;
}

/** BatchNorm's running mean and variance (kept, not trained). */
function statisticsCount(network: Network): number {
  return network.batchNorm ? network.hiddenSizes.reduce((sum, h) => sum + 2 * h, 0) : 0;
}

/**
 * Values held by a training forward + backward on `rows` rows: per hidden layer the Affine output (and dx
 * after the first layer), BatchNorm's out/xc/xn/dx, the activation's out/dx, dropout's mask/out/dx; then
 * the output Affine, softmax y and dx; plus the gathered input rows. ReLU masks are bytes, counted apart.
 */
function trainingActivationValues(network: Network, rows: number): { values: number; maskBytes: number } {
  const sizes = [network.inputSize, ...network.hiddenSizes, network.outputSize];
  let perRow = network.inputSize;
  let maskBytes = 0;
  for (let l = 1; l < sizes.length; l++) {
    const width = sizes[l];
    perRow += width + (l > 1 ? sizes[l - 1] : 0);
    if (l === sizes.length - 1) break;
    if (network.batchNorm) perRow += 4 * width;
    perRow += 2 * width;
    if (network.activation === 'relu') maskBytes += rows * width;
    if (network.dropout > 0) perRow += 3 * width;
  }
  perRow += 2 * network.outputSize;
  return { values: rows * perRow, maskBytes };
}

/** Values of an inference forward on `rows` rows: one output per layer and the probabilities (not the input). */
function inferenceActivationValues(network: Network, rows: number): { values: number; maskBytes: number } {
  let perRow = 2 * network.outputSize;
  let maskBytes = 0;
  for (const width of network.hiddenSizes) {
    perRow += width * (2 + (network.batchNorm ? 1 : 0) + (network.dropout > 0 ? 1 : 0));
    if (network.activation === 'relu') maskBytes += rows * width;
  }
  return { values: rows * perRow, maskBytes };
}

/** What a network of either kind costs, and the config field that makes it grow. */
interface NetworkCosts {
  readonly params: number;
  readonly stats: number;
  /** Values (and mask bytes) a training forward + backward holds on `rows` rows. */
  training(rows: number): { values: number; maskBytes: number };
  /** An inference forward on `rows` rows (a layer list's counts its input too). */
  inference(rows: number): { values: number; maskBytes: number };
  /** Rows per evaluation chunk (the trainer's choice). */
  readonly chunkRows: number;
  /** Values per row a first Affine's background product holds (none for other first layers: they are evaluated in place). */
  readonly backgroundProductWidth: number | undefined;
  /** Values per sample the network reads: each split gathers its own chunk of input rows. */
  readonly inputSize: number;
  readonly field: string;
}

function mlpCosts(network: NetworkSpec): NetworkCosts {
  return {
    params: parameterCount(network),
    stats: statisticsCount(network),
    training: (rows) => trainingActivationValues(network, rows),
    inference: (rows) => inferenceActivationValues(network, rows),
    inputSize: network.inputSize,
    chunkRows: EVALUATION_CHUNK,
    backgroundProductWidth: network.hiddenSizes[0] ?? network.outputSize,
    field: 'network.hiddenSizes',
  };
}

function layerListCosts(network: LayerListSpec, dtype: DType): NetworkCosts {
  const training = layerListPerSample(network, true);
  const inference = layerListPerSample(network, false);
  const first = network.layers[0];
  return {
    params: layerListParameterCount(network),
    stats: layerListStatisticsCount(network),
    training: (rows) => ({ values: rows * training.values, maskBytes: rows * training.bytes }),
    inference: (rows) => ({ values: rows * inference.values, maskBytes: rows * inference.bytes }),
    chunkRows: evaluationChunkRows(inference, dtype),
    inputSize: network.input[0] * network.input[1] * network.input[2],
    backgroundProductWidth: first?.type === 'affine' ? first.units : undefined,
    field: 'network.layers',
  };
}

function costsOf(network: AnyNetworkSpec, dtype: DType): NetworkCosts {
  return isLayerListSpec(network) ? layerListCosts(network, dtype) : mlpCosts(network);
}

/** The part that weighs most: its field is the one to change first. */
export function largestPart(estimate: MemoryEstimate): MemoryPart | undefined {
  return estimate.parts.reduce<MemoryPart | undefined>((max, p) => (!max || p.bytes > max.bytes ? p : max), undefined);
}

function estimate(parts: MemoryPart[]): MemoryEstimate {
  const kept = parts.filter((p) => p.bytes > 0);
  return { bytes: kept.reduce((sum, p) => sum + p.bytes, 0), parts: kept };
}

export interface TrainingEstimateOptions {
  /**
   * Whether evaluations may run on a copy of the weights (the native backend's background thread): the copy's
   * own evaluation buffers are then counted. Default true (an upper bound for either backend). The copy itself
   * is always counted: the gradient flow keeps W before an update in it.
   */
  readonly backgroundEvaluation?: boolean;
}

/**
 * A training run: parameters, gradients, optimizer state, the batch's activations, an evaluation chunk's
 * activations (the layers reallocate between batch and chunk shapes, so both may be alive at once), the
 * evaluation's copy of the weights (also the gradient flow's scratch), and the checkpoint buffer written at
 * each evaluation.
 */
export function estimateTrainingMemory(spec: Pick<TrainSpec, 'network' | 'optimizer' | 'training' | 'dtype'>, options: TrainingEstimateOptions = {}): MemoryEstimate {
  const { training } = spec;
  const e = bytesPerValue(spec.dtype);
  const costs = costsOf(spec.network, spec.dtype);
  const { params, stats, field } = costs;
  const stateTensors = OPTIMIZER_STATE_TENSORS[spec.optimizer.type];
  const batch = costs.training(training.batchSize);
  const chunkRows = Math.min(costs.chunkRows, training.evaluationSamples ?? costs.chunkRows);
  const chunk = costs.inference(chunkRows);
  const width = costs.backgroundProductWidth;
  const background = (options.backgroundEvaluation ?? true) && width !== undefined;
  // The net's own chunk buffers (final evaluation, on request) and, in the background, the copy's: its own chunk
  // buffers and two chunks of first-layer products in flight. Each split gathers its own input rows.
  const chunkValues = chunk.values + 2 * chunkRows * costs.inputSize + (background ? chunk.values + 2 * chunkRows * width : 0);
  const optimizerName = OPTIMIZER_NAMES[spec.optimizer.type];
  return estimate([
    { label: 'parameters', bytes: (params + stats) * e, field },
    { label: 'gradients', bytes: params * e, field },
    { label: `${optimizerName} state`, bytes: stateTensors * params * e, field: 'optimizer.type' },
    { label: `activations (batch of ${training.batchSize})`, bytes: batch.values * e + batch.maskBytes, field: 'training.batchSize' },
    { label: `evaluation (chunks of ${chunkRows} rows)`, bytes: chunkValues * e + (background ? 2 : 1) * chunk.maskBytes, field: 'training.evaluationSamples' },
    { label: 'evaluation copy of the weights', bytes: (params + stats) * e, field },
    { label: 'checkpoint buffer', bytes: (params * (1 + stateTensors) + stats) * e, field },
  ]);
}

/**
 * The book's gradient check: the network, its backprop gradients, the numerical gradients (one more copy of
 * every parameter), and a training forward/backward on `samples` rows.
 */
export function estimateGradientCheckMemory(spec: Pick<TrainSpec, 'network' | 'dtype'>, samples: number): MemoryEstimate {
  const e = bytesPerValue(spec.dtype);
  const { params, stats, field, training } = costsOf(spec.network, spec.dtype);
  const rows = training(samples);
  return estimate([
    { label: 'parameters', bytes: (params + stats) * e, field },
    { label: 'gradients', bytes: params * e, field },
    { label: 'numerical gradients', bytes: params * e, field },
    { label: `activations (${samples} samples)`, bytes: rows.values * e + rows.maskBytes, field: 'samples' },
  ]);
}

/** The Graph view's trace: the network, its gradients, and one forward/backward on `batchSize` rows. */
export function estimateLayerGraphMemory(spec: Pick<TrainSpec, 'network' | 'dtype'>, batchSize: number): MemoryEstimate {
  const e = bytesPerValue(spec.dtype);
  const { params, stats, field, training } = costsOf(spec.network, spec.dtype);
  const rows = training(batchSize);
  return estimate([
    { label: 'parameters', bytes: (params + stats) * e, field },
    { label: 'gradients', bytes: params * e, field },
    { label: `activations (batch of ${batchSize})`, bytes: rows.values * e + rows.maskBytes, field: 'batchSize' },
  ]);
}
