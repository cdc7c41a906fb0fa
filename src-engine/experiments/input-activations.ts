import { Affine } from '../layers/affine';
import { BatchNormalization } from '../layers/batch-normalization';
import { Convolution } from '../layers/convolution';
import type { Layer } from '../layers/layer';
import { Pooling } from '../layers/pooling';
import { Relu } from '../layers/relu';
import { Sigmoid } from '../layers/sigmoid';
import type { TrainableNetwork } from '../networks/trainable-network';
import { softmax } from '../networks/input-gradient';
import { Tensor } from '../tensor';

/** Units of one layer an answer carries at most (a 64 x 64 grid): a wider layer's first ones, its counts over all. */
const MAX_LAYER_UNITS = 4096;
/** Values of an image output (a conv's or pooling's feature maps) an answer carries at most: the book's SimpleConvNet's 30x24x24 all fit. */
export const MAX_FEATURE_MAP_UNITS = 20_000;

/** The kinds of layer whose output is shown (Dropout only scales at inference, so its output adds nothing). */
type ActivationLayerKind = 'Convolution' | 'Pooling' | 'Affine' | 'BatchNorm' | 'Relu' | 'Sigmoid';

/** What one layer gave for one input. */
export interface LayerActivation {
  /** The layer's name in the network: Affine1, BatchNorm1, Relu1, Sigmoid1, ... */
  readonly name: string;
  readonly kind: ActivationLayerKind;
  /** Units in the layer. */
  readonly size: number;
  /** The output's per-sample shape (C, H, W) when it is images (a conv, a pooling, a ReLU after them): values are channel by channel, row by row. */
  readonly shape?: readonly [channels: number, height: number, width: number];
  /** The first min(size, maxUnits) outputs, in unit order (of an image output, min(size, MAX_FEATURE_MAP_UNITS)). */
  readonly values: readonly number[];
  /** Over all `size` units. */
  readonly min: number;
  readonly max: number;
  /** ReLU: units exactly 0 for this input (inactive: no gradient flows back through them); null for other kinds. */
  readonly zeros: number | null;
  /** Sigmoid: units below 0.01 or above 0.99 (saturated: their local gradient y(1 - y) is under 0.0099); null for other kinds. */
  readonly saturated: number | null;
}

/** Every shown layer's output for one input, the last Affine's being the class scores, and their softmax. */
export interface InputActivations {
  readonly layers: readonly LayerActivation[];
  readonly probabilities: readonly number[];
  /** The class with the highest score (the first on a tie). */
  readonly predicted: number;
}

/** Sigmoid outputs outside [low, 1 - low] count as saturated. */
const SATURATION = 0.01;

function kindOf(layer: Layer): ActivationLayerKind | undefined {
  if (layer instanceof Convolution) return 'Convolution';
  if (layer instanceof Pooling) return 'Pooling';
  if (layer instanceof Affine) return 'Affine';
  if (layer instanceof BatchNormalization) return 'BatchNorm';
  if (layer instanceof Relu) return 'Relu';
  if (layer instanceof Sigmoid) return 'Sigmoid';
  return undefined;
}

function summarise(name: string, kind: ActivationLayerKind, data: ArrayLike<number>, maxUnits: number, shape: readonly number[]): LayerActivation {
  let min = Infinity;
  let max = -Infinity;
  let zeros = 0;
  let saturated = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (v === 0) zeros++;
    if (v < SATURATION || v > 1 - SATURATION) saturated++;
  }
  const [, channels, height, width] = shape;
  const images = shape.length === 4 && channels !== undefined && height !== undefined && width !== undefined ? { shape: [channels, height, width] as const } : {};
  const values = Array.from({ length: Math.min(data.length, 'shape' in images ? MAX_FEATURE_MAP_UNITS : maxUnits) }, (_, i) => data[i]);
  return { name, kind, size: data.length, ...images, values, min, max, zeros: kind === 'Relu' ? zeros : null, saturated: kind === 'Sigmoid' ? saturated : null };
}

/**
 * What one layer gave for one input (its output tensor for a batch of 1), or undefined for a layer not shown
 * (Dropout): its first maxUnits values, or for an image output its feature maps, up to MAX_FEATURE_MAP_UNITS.
 */
export function layerActivation(layer: Layer, output: Tensor, maxUnits = MAX_LAYER_UNITS): LayerActivation | undefined {
  const kind = kindOf(layer);
  // Copied now: the layer reuses its output buffer on its next call.
  return kind && summarise(layer.name, kind, output.data, maxUnits, output.shape);
}

/**
 * One input through the net's own layers in inference mode (BatchNorm on its running statistics, Dropout
 * scaled as at inference), as `predict` runs them, keeping a copy of each Convolution, Pooling, Affine,
 * BatchNorm, ReLU and sigmoid layer's output (with its (C, H, W) shape when it is images): Affine1 = x W1 + b1,
 * BatchNorm1, Relu1, ..., the last Affine = the class scores, then softmax(scores). The network's state is untouched: only layer buffers are reused.
 */
export function inputActivations(net: TrainableNetwork, pixels: ArrayLike<number>, maxUnits = MAX_LAYER_UNITS): InputActivations {
  const { inputSize } = net;
  if (pixels.length !== inputSize) throw new RangeError(`inputActivations: ${pixels.length} pixels, the network takes ${inputSize}`);
  if (!(Number.isInteger(maxUnits) && maxUnits >= 1)) throw new RangeError(`inputActivations: maxUnits must be a positive integer, got ${maxUnits}`);
  const layers: LayerActivation[] = [];
  let out = Tensor.from(pixels, [1, ...net.inputShape], net.dtype);
  for (const layer of net.layers) {
    out = layer.forward(out, false);
    const shown = layerActivation(layer, out, maxUnits);
    if (shown) layers.push(shown);
  }
  const scores = out.data;
  let predicted = 0;
  for (let c = 1; c < scores.length; c++) if (scores[c] > scores[predicted]) predicted = c;
  return { layers, probabilities: Array.from(softmax(scores)), predicted };
}
