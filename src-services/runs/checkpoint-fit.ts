import { isLayerListNetwork, type LayerListNetworkConfig, type TrainConfig } from '../../src-shared/config';
import { layerShapes } from '../../src-engine/networks/layer-list-spec';
import { snapshotMetaFrom, type TrainerSnapshotMeta } from '../../src-engine/training/checkpoint-state';
import type { Trainer } from '../../src-engine/training/trainer';
import type { Checkpoint } from './checkpoint';
import type { CheckpointHeader } from './checkpoint-format';

/**
 * Whether a checkpoint can continue the run whose config it claims: its tensors are exactly the network's
 * (names, shapes, dtype) and its meta is coherent with the schedule. Checked from the header alone, before
 * anything is restored or any metrics are trimmed, so a damaged file is refused with a message instead of
 * failing a run half-way (or trimming its metrics to a negative iteration).
 */
class CheckpointMismatch extends Error {
  constructor(problem: string) {
    super(problem);
    this.name = 'CheckpointMismatch';
  }
}

const OPTIMIZER_SLOTS: Record<TrainConfig['optimizer']['type'], readonly string[]> = {
  sgd: [],
  momentum: ['s1'],
  nesterov: ['s1'],
  adagrad: ['s1'],
  rmsprop: ['s1'],
  adam: ['s1', 's2'],
};

/** The tensors a run of this config saves: parameters and running statistics always; optimizer state once it exists. */
export function expectedTensors(config: TrainConfig): { required: Map<string, number[]>; optional: Map<string, number[]> } {
  const { network } = config;
  const params = new Map<string, number[]>();
  const statistics = new Map<string, number[]>();
  if (isLayerListNetwork(network)) layerListTensors(network, params, statistics);
  const sizes = isLayerListNetwork(network) ? [] : [network.inputSize, ...network.hiddenSizes, network.outputSize];
  for (let l = 1; l < sizes.length; l++) {
    params.set(`W${l}`, [sizes[l - 1]!, sizes[l]!]);
    params.set(`b${l}`, [sizes[l]!]);
    if (!isLayerListNetwork(network) && network.batchNorm && l < sizes.length - 1) {
      params.set(`gamma${l}`, [sizes[l]!]);
      params.set(`beta${l}`, [sizes[l]!]);
      statistics.set(`runningMean${l}`, [sizes[l]!]);
      statistics.set(`runningVar${l}`, [sizes[l]!]);
    }
  }
  const optional = new Map<string, number[]>();
  for (const slot of OPTIMIZER_SLOTS[config.optimizer.type]) for (const [name, shape] of params) optional.set(`optimizer.${slot}.${name}`, shape);
  return { required: new Map([...params, ...statistics]), optional };
}

/** A layer list's tensors as LayerListNet names them: W1, b1, ... over conv and affine layers in order; gamma1, beta1, ... per BatchNorm. */
function layerListTensors(network: LayerListNetworkConfig, params: Map<string, number[]>, statistics: Map<string, number[]>): void {
  const shapes = layerShapes(network);
  let weights = 0;
  let norms = 0;
  network.layers.forEach((layer, i) => {
    const input = shapes[i]!;
    const size = input.reduce((a, b) => a * b, 1);
    if (layer.type === 'conv' || layer.type === 'affine') {
      weights++;
      const units = layer.type === 'conv' ? layer.filters : layer.units;
      params.set(`W${weights}`, layer.type === 'conv' ? [layer.filters, input[0]!, layer.size, layer.size] : [size, units]);
      params.set(`b${weights}`, [units]);
    } else if (layer.type === 'batchnorm') {
      norms++;
      params.set(`gamma${norms}`, [size]);
      params.set(`beta${norms}`, [size]);
      statistics.set(`runningMean${norms}`, [size]);
      statistics.set(`runningVar${norms}`, [size]);
    }
  });
}

const shapeText = (shape: readonly number[]): string => `(${shape.join(', ')})`;

function checkTensorsFit(header: { readonly dtype: CheckpointHeader['dtype']; readonly tensors: ReadonlyArray<{ name: string; shape: readonly number[] }> }, config: TrainConfig): void {
  if (header.dtype !== config.dtype) throw new CheckpointMismatch(`it holds ${header.dtype} values, the run is ${config.dtype}`);
  const { required, optional } = expectedTensors(config);
  const seen = new Set<string>();
  for (const { name, shape } of header.tensors) {
    const expected = required.get(name) ?? optional.get(name);
    if (!expected) throw new CheckpointMismatch(`it holds a tensor ${name} that this network does not have`);
    if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) {
      throw new CheckpointMismatch(`${name} is ${shapeText(shape)}, this network's is ${shapeText(expected)}`);
    }
    seen.add(name);
  }
  for (const name of required.keys()) if (!seen.has(name)) throw new CheckpointMismatch(`${name} is missing`);
}

function checkPermutation(permutation: readonly number[], field: string): void {
  const seen = new Uint8Array(permutation.length);
  for (const index of permutation) {
    if (index >= permutation.length || seen[index]) throw new CheckpointMismatch(`meta ${field} is not an order of the training samples`);
    seen[index] = 1;
  }
}

/** The meta, checked field by field (snapshotMetaFrom) and against the config's schedule. */
function checkMetaFits(meta: Readonly<Record<string, unknown>>, config: TrainConfig): TrainerSnapshotMeta {
  let checked: TrainerSnapshotMeta;
  try {
    checked = snapshotMetaFrom(meta);
  } catch (error) {
    throw new CheckpointMismatch(error instanceof Error ? error.message : String(error));
  }
  const { training } = config;
  if (training.iterations !== undefined && checked.iteration > training.iterations) {
    throw new CheckpointMismatch(`meta iteration ${checked.iteration} is past the run's ${training.iterations} iterations`);
  }
  if (checked.lastEvaluation && checked.lastEvaluation.iteration > checked.iteration) {
    throw new CheckpointMismatch(`meta lastEvaluation.iteration ${checked.lastEvaluation.iteration} is after iteration ${checked.iteration}`);
  }
  if (checked.nextBatch && checked.nextBatch.length !== training.batchSize) {
    throw new CheckpointMismatch(`meta nextBatch has ${checked.nextBatch.length} samples, the batch size is ${training.batchSize}`);
  }
  if ((training.sampling === 'shuffle') !== (checked.permutation !== null)) {
    throw new CheckpointMismatch(`meta permutation does not match the run's ${training.sampling} sampling`);
  }
  if (checked.permutation) {
    checkPermutation(checked.permutation, 'permutation');
    if (checked.permutationPosition > checked.permutation.length) throw new CheckpointMismatch('meta permutationPosition is past the end of the permutation');
    const count = checked.permutation.length;
    if (checked.nextBatch?.some((index) => index >= count)) throw new CheckpointMismatch('meta nextBatch names samples outside the training set');
  }
  return checked;
}

/** Restores a loaded checkpoint into a trainer after checking that it fits the trainer's network and schedule. */
export function restoreCheckpoint(trainer: Trainer<TrainConfig>, checkpoint: Checkpoint): void {
  const tensors = Object.entries(checkpoint.tensors).map(([name, tensor]) => ({ name, shape: [...tensor.shape] }));
  const meta = checkCheckpointFits({ dtype: checkpoint.dtype, tensors, meta: checkpoint.meta }, trainer.config);
  if (meta.iteration > trainer.totalIterations) throw new CheckpointMismatch(`meta iteration ${meta.iteration} is past the run's ${trainer.totalIterations} iterations`);
  trainer.restore(checkpoint.tensors, meta);
}

/** Both checks; throws CheckpointMismatch saying what does not fit. */
export function checkCheckpointFits(header: { readonly dtype: CheckpointHeader['dtype']; readonly tensors: ReadonlyArray<{ name: string; shape: readonly number[] }>; readonly meta: Readonly<Record<string, unknown>> }, config: TrainConfig): TrainerSnapshotMeta {
  checkTensorsFit(header, config);
  return checkMetaFits(header.meta, config);
}
