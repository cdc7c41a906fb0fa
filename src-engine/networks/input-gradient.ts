import { Affine } from '../layers/affine';
import { Convolution } from '../layers/convolution';
import { BatchNormalization } from '../layers/batch-normalization';
import { Dropout } from '../layers/dropout';
import { Tensor } from '../tensor';
import type { TrainableNetwork } from './trainable-network';

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
 * through the first Affine or Convolution to the pixels. The score is the class's logit, the raw score before softmax.
 * `classIndex` defaults to the predicted class (the highest score). The network's training state is untouched:
 * only layer buffers are reused.
 */
export function inputGradient(net: TrainableNetwork, pixels: ArrayLike<number>, classIndex?: number): InputGradient {
  const { inputSize, outputSize } = net;
  if (pixels.length !== inputSize) throw new RangeError(`inputGradient: ${pixels.length} pixels, the network takes ${inputSize}`);
  if (classIndex !== undefined && !(Number.isInteger(classIndex) && classIndex >= 0 && classIndex < outputSize)) {
    throw new RangeError(`inputGradient: class ${classIndex} is not one of 0..${outputSize - 1}`);
  }
  // The forward predict() runs, layer by layer, keeping each layer's output shape for its backward.
  const outputShapes: (readonly number[])[] = [];
  let scores = Tensor.from(pixels, [1, ...net.inputShape], net.dtype);
  for (const layer of net.layers) {
    scores = layer.forward(scores, false);
    outputShapes.push(scores.shape);
  }
  const probabilities = softmax(scores.data);
  let target = classIndex ?? 0;
  if (classIndex === undefined) for (let c = 1; c < outputSize; c++) if (scores.data[c] > scores.data[target]) target = c;
  let dout = Tensor.zeros([1, outputSize], net.dtype);
  dout.data[target] = 1;
  for (let i = net.layers.length - 1; i >= 0; i--) {
    const layer = net.layers[i];
    // An Affine's dx is (N, inputs) rows: the layer below takes it in its own output's shape.
    dout = dout.reshape(outputShapes[i]);
    if (layer instanceof Affine || layer instanceof Convolution) dout = layer.inputGradient(dout);
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
