import type { DType } from '../backend';
import type { PerSample } from '../networks/layer-list-memory';
import type { TrainableNetwork } from '../networks/trainable-network';
import { Tensor } from '../tensor';
import type { SplitImages } from './split-images';

/**
 * Rows per evaluation chunk: enough for a two-thread GEMM, few enough (6 MB of float32 pixels) that gathered
 * images are still in cache when the GEMM reads them.
 */
export const EVALUATION_CHUNK = 2000;

/**
 * What one evaluation chunk's layer buffers may hold at most: a convolution's im2col buffer grows with the
 * rows (DeepConvNet's second conv: 113k values per image, 900 MB at 2000 images), so such nets take fewer rows.
 */
export const EVALUATION_CHUNK_BYTES = 128 * 1024 * 1024;

/** Rows per evaluation chunk for a network holding `perSample` per row at inference: EVALUATION_CHUNK, or fewer to stay within EVALUATION_CHUNK_BYTES. */
export function evaluationChunkRows(perSample: PerSample, dtype: DType): number {
  const bytes = perSample.values * (dtype === 'float64' ? 8 : 4) + perSample.bytes;
  return Math.max(1, Math.min(EVALUATION_CHUNK, Math.floor(EVALUATION_CHUNK_BYTES / bytes)));
}

/** One split to measure: its first `count` images. */
export interface EvaluationSplit {
  readonly images: SplitImages;
  readonly count: number;
}

/** Accuracy and mean loss measured on one split. */
export interface SplitMeasure {
  readonly accuracy: number;
  readonly loss: number;
}

/**
 * What an evaluation adds up over a split's chunks: correct predictions (argmax of the scores against the
 * labels) and the summed loss (rows times each chunk's mean softmax cross-entropy): the book's accuracy() and
 * loss() without weight decay. The in-place and the background evaluation both add up through it, in the same
 * order, so their records are identical.
 */
export class SplitTotals {
  private correct = 0;
  private lossSum = 0;
  private readonly predicted: Int32Array;
  private readonly probabilities: Tensor;

  constructor(private readonly net: TrainableNetwork, chunkRows: number) {
    this.predicted = new Int32Array(chunkRows);
    this.probabilities = Tensor.zeros([chunkRows, net.outputSize], net.dtype);
  }

  /** Adds one chunk: its scores (rows x classes) and labels. */
  add(scores: Tensor, labels: Int32Array): void {
    const rows = labels.length;
    const whole = rows === this.predicted.length;
    const predicted = whole ? this.predicted : this.predicted.subarray(0, rows);
    const probabilities = whole ? this.probabilities : new Tensor(this.probabilities.data.subarray(0, scores.size), scores.shape);
    this.net.ops.argmaxRows(scores, predicted);
    for (let i = 0; i < rows; i++) if (predicted[i] === labels[i]) this.correct++;
    this.lossSum += rows * this.net.ops.softmaxCrossEntropy(scores, labels, probabilities, this.net.lossDelta);
  }

  /** Accuracy and mean loss over `count` samples (NaN for none). */
  measure(count: number): SplitMeasure {
    return count === 0 ? { accuracy: NaN, loss: NaN } : { accuracy: this.correct / count, loss: this.lossSum / count };
  }
}

/** Measures `net` on one split here and now, in chunks of `chunkRows`. */
export function measureSplit(net: TrainableNetwork, split: EvaluationSplit, chunkRows: number): SplitMeasure {
  const chunk = Math.max(1, Math.min(chunkRows, split.count));
  const totals = new SplitTotals(net, chunk);
  const indices = new Int32Array(chunk);
  const labels = new Int32Array(chunk);
  for (let start = 0; start < split.count; start += chunk) {
    const rows = Math.min(chunk, split.count - start);
    const view = rows === chunk ? indices : indices.subarray(0, rows);
    for (let i = 0; i < rows; i++) view[i] = start + i;
    totals.add(net.predict(split.images.batch(view), false), split.images.labelsOf(view, labels.subarray(0, rows)));
  }
  return totals.measure(split.count);
}
