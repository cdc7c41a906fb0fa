import type { DType } from '../backend';
import type { Affine } from '../layers/affine';
import type { Convolution } from '../layers/convolution';
import type { Layer } from '../layers/layer';
import type { SoftmaxWithLoss } from '../layers/softmax-with-loss';
import type { Operand, TensorOps, Targets } from '../ops';
import type { Params } from '../optimizers';
import type { Tensor } from '../tensor';
import type { LayerListSpec } from './layer-list-spec';
import type { NetworkSpec } from './network-spec';

/** A layer with weights W and bias b that the optimizer trains: Affine (chapter 5) or Convolution (chapter 7). */
export type WeightLayer = Affine | Convolution;

/** The networks a run can train: the book's MultiLayerNet(Extend), or a layer list (SimpleConvNet, DeepConvNet, ...). */
export type AnyNetworkSpec = NetworkSpec | LayerListSpec;

/** A layer-list network spec (told apart by its `layers`). */
export function isLayerListSpec<Mlp extends Partial<NetworkSpec>>(spec: Mlp | LayerListSpec): spec is LayerListSpec {
  return 'layers' in spec;
}

/**
 * What the trainer, the evaluations, checkpoints and the experiments need of a network: the surface
 * MultiLayerNet and LayerListNet share. Parameters are the very tensors the layers hold.
 */
export interface TrainableNetwork {
  readonly params: Record<string, Tensor>;
  /** Every layer in forward order (SoftmaxWithLoss apart). */
  readonly layers: readonly Layer[];
  readonly lastLayer: SoftmaxWithLoss;
  readonly ops: TensorOps;
  readonly dtype: DType;
  /** Values per sample the network reads: 784 for 1x28x28 images. */
  readonly inputSize: number;
  /** The shape of one sample as the first layer reads it: [784] for an MLP, [1, 28, 28] for a layer list. */
  readonly inputShape: readonly number[];
  /** Class scores per sample. */
  readonly outputSize: number;
  /** The 1e-7 inside the cross-entropy's log (0: none). */
  readonly lossDelta: number;
  /** The layers with weights, in forward order (Conv1, Affine1, ...): the gradient flow's entries. */
  readonly weightLayers: readonly WeightLayer[];
  /**
   * The first layer when it is an Affine: it reads any operand (sparse rows, a product computed on the
   * background thread), so sparse input and background evaluations are possible. Undefined otherwise.
   */
  readonly firstAffine: Affine | undefined;
  /** BatchNorm running statistics: not trained by the optimizer, but part of what a checkpoint keeps. */
  readonly runningStatistics: Record<string, Tensor>;
  /** The batch's loss from the last forward (without recomputing it). */
  readonly lastLoss: number;
  /** Raw class scores (no softmax). A layer buffer, valid until the next forward. */
  predict(x: Operand, train?: boolean): Tensor;
  loss(x: Operand, t: Targets, train?: boolean): number;
  accuracy(x: Operand, t: Targets): number;
  gradient(x: Operand, t: Targets): Params;
  numericalGradient(x: Tensor, t: Targets): Params;
  withFrozenDropout<T>(x: Tensor, t: Targets, fn: () => T): T;
  /** A network of the same architecture with parameters of its own (zero-initialised draws: copy weights in). */
  twin(): TrainableNetwork;
}
