import { Affine } from '../layers/affine';
import { BatchNormalization } from '../layers/batch-normalization';
import { Dropout } from '../layers/dropout';
import { Tensor } from '../tensor';
import type { MultiLayerNet } from './multi-layer-net';

/** d score(class) / d pixel for one input, with the class it was taken for and the softmax of the scores. */
export interface InputGradient {
  /** One value per input pixel, in the input's order. */
  readonly gradient: Float64Array;
  readonly classIndex: number;
  readonly probabilities: Float64Array;
}

/**
 * The saliency map of one input: a forward in inference mode (BatchNorm on its running statistics, Dropout
 * scaled as at inference), then the backward of that same forward from a one-hot dout at the class, down
 * through the first Affine to the pixels. The score is the class's logit, the raw score before softmax.
 * `classIndex` defaults to the predicted class (the highest score). The network's training state is untouched:
 * only layer buffers are reused.
 */
export function inputGradient(net: MultiLayerNet, pixels: ArrayLike<number>, classIndex?: number): InputGradient {
  const { inputSize, outputSize } = net.spec;
  if (pixels.length !== inputSize) throw new RangeError(`inputGradient: ${pixels.length} pixels, the network takes ${inputSize}`);
  if (classIndex !== undefined && !(Number.isInteger(classIndex) && classIndex >= 0 && classIndex < outputSize)) {
    throw new RangeError(`inputGradient: class ${classIndex} is not one of 0..${outputSize - 1}`);
  }
  const scores = net.predict(Tensor.from(pixels, [1, inputSize], net.dtype), false);
  const probabilities = softmax(scores.data);
  let target = classIndex ?? 0;
  if (classIndex === undefined) for (let c = 1; c < outputSize; c++) if (scores.data[c] > scores.data[target]) target = c;
  let dout = Tensor.zeros([1, outputSize], net.dtype);
  dout.data[target] = 1;
  for (let i = net.layers.length - 1; i >= 0; i--) {
    const layer = net.layers[i];
    if (layer instanceof Affine) dout = layer.inputGradient(dout);
    else if (layer instanceof BatchNormalization || layer instanceof Dropout) dout = layer.inferenceBackward(dout);
    else dout = layer.backward(dout);
  }
  return { gradient: Float64Array.from(dout.data), classIndex: target, probabilities };
}

/** softmax(scores)_i = exp(s_i - max) / sum_j exp(s_j - max), in float64. */
export function softmax(scores: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) max = Math.max(max, scores[i]);
  const out = new Float64Array(scores.length);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) sum += out[i] = Math.exp(scores[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}
