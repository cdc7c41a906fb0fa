import ort from 'onnxruntime-node';
import type { OnnxReport } from '../../src-shared/run-record';
import type { DatasetSplit } from '../../src-engine/dataset';
import { inspectOnnxModel, OnnxModelError, type OnnxInspectionLimits, type OnnxModelInfo } from './inspect-model';
import { formatDims, quote } from './model-error';

/** float32 logits of the same weights, summed in a different order by ORT and by our kernels. */
const LOGITS_BOUND = 1e-4;

export function argmaxRows(values: Float32Array, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c]! > values[r * cols + best]!) best = c;
    out[r] = best;
  }
  return out;
}

/** A loaded model, ready to classify: inspected within its limits first, then handed to onnxruntime. */
export class OnnxClassifier {
  readonly info: OnnxModelInfo;
  readonly source: string;
  private readonly session: ort.InferenceSession;

  private constructor(info: OnnxModelInfo, source: string, session: ort.InferenceSession) {
    this.info = info;
    this.source = source;
    this.session = session;
  }

  static async load(bytes: Uint8Array, source: string, limits?: OnnxInspectionLimits): Promise<OnnxClassifier> {
    const info = inspectOnnxModel(bytes, source, limits);
    try {
      return new OnnxClassifier(info, source, await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' }));
    } catch (error) {
      throw new OnnxModelError(`${source}: onnxruntime cannot load it: ${(error as Error).message}`);
    }
  }

  /**
   * rows x classes scores (the model's logits, or its probabilities when it outputs only those). rows is at
   * most the batch the model's tensors were sized for; the output must come back exactly [rows, classes].
   */
  async scores(images: Float32Array, rows: number): Promise<Float32Array> {
    const { info } = this;
    if (!Number.isInteger(rows) || rows < 1 || rows > info.checkedBatch || (info.fixedBatch !== null && rows !== info.fixedBatch)) {
      throw new OnnxModelError(`${this.source}: ${rows} images in one run; it was checked for ${info.fixedBatch ?? `1 to ${info.checkedBatch}`}`);
    }
    if (images.length !== rows * info.inputSize) throw new OnnxModelError(`${this.source}: ${images.length} inputs given for ${rows} x ${info.inputSize}`);
    const input = new ort.Tensor('float32', images, [rows, ...info.inputDims]);
    const result = await this.session.run({ [info.inputName]: input }, [info.scoresName]);
    const output = result[info.scoresName];
    const dims = output?.dims ?? [];
    if (!output || output.type !== 'float32' || dims.length !== 2 || dims[0] !== rows || dims[1] !== info.classes || output.data.length !== rows * info.classes) {
      throw new OnnxModelError(
        `${this.source}: output ${quote(info.scoresName)} came back as ${output ? `${formatDims(dims)} ${output.type}` : 'nothing'} for ${rows} image${rows === 1 ? '' : 's'}; it declares [N, ${info.classes}] float32`,
      );
    }
    return output.data as Float32Array;
  }

  /** Class probabilities for rows images; refused when the model gives NaN or infinite scores. */
  async probabilities(images: Float32Array, rows: number): Promise<Float32Array> {
    const scores = await this.scores(images, rows);
    if (!scores.every(Number.isFinite)) throw new OnnxModelError(`${this.source}: the model gave scores that are not numbers (NaN or infinity)`);
    if (this.info.scoresAreProbabilities) return scores;
    const classes = this.info.classes;
    const out = new Float32Array(scores.length);
    for (let r = 0; r < rows; r++) {
      let max = -Infinity;
      for (let c = 0; c < classes; c++) max = Math.max(max, scores[r * classes + c]!);
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += out[r * classes + c] = Math.exp(scores[r * classes + c]! - max);
      for (let c = 0; c < classes; c++) out[r * classes + c]! /= sum;
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Runs the model on the whole test split and compares with the engine's logits for the same images (when
 * given): the export is good only if every logit is within LOGITS_BOUND and the accuracies are equal.
 */
export async function validateOnnxModel(bytes: Uint8Array, source: string, test: DatasetSplit, engineLogits: Float32Array | undefined): Promise<OnnxReport> {
  const classifier = await OnnxClassifier.load(bytes, source);
  try {
    return await validateClassifier(classifier, bytes.length, test, engineLogits);
  } finally {
    await classifier.release();
  }
}

/** validateOnnxModel for a model already loaded (the ONNX runner keeps the one it imports). */
export async function validateClassifier(classifier: OnnxClassifier, bytes: number, test: DatasetSplit, engineLogits: Float32Array | undefined): Promise<OnnxReport> {
  const { source, info } = classifier;
  const problems: string[] = [];
  const size = test.rows * test.cols;
  if (info.inputSize !== size) throw new OnnxModelError(`${source}: takes ${info.inputSize} inputs, the test images have ${size} pixels`);
  const [, height, width] = info.inputDims;
  if (height !== undefined && (height !== test.rows || width !== test.cols)) throw new OnnxModelError(`${source}: takes ${height}x${width} images, the test images are ${test.rows}x${test.cols}`);
  const classes = info.classes;
  if (engineLogits && engineLogits.length !== test.count * classes) throw new OnnxModelError(`${source}: ${classes} classes, but the engine gave ${engineLogits.length / test.count} scores per image`);
  const batchSize = info.checkedBatch;
  let correct = 0;
  let engineCorrect = 0;
  let maxAbsDifference = 0;
  let nonFinite = 0;
  let runSeconds = 0;
  const batch = new Float32Array(batchSize * size);
  for (let start = 0; start < test.count; start += batchSize) {
    const rows = Math.min(batchSize, test.count - start);
    for (let i = 0; i < rows * size; i++) batch[i] = test.images[start * size + i]! / 255;
    const began = performance.now();
    const scores = await classifier.scores(batch.subarray(0, rows * size), rows);
    runSeconds += (performance.now() - began) / 1000;
    for (let r = 0; r < rows; r++) if (!scores.subarray(r * classes, (r + 1) * classes).every(Number.isFinite)) nonFinite++;
    const predicted = argmaxRows(scores, rows, classes);
    for (let r = 0; r < rows; r++) if (predicted[r] === test.labels[start + r]) correct++;
    if (engineLogits) {
      const engine = engineLogits.subarray(start * classes, (start + rows) * classes);
      for (let i = 0; i < engine.length; i++) maxAbsDifference = Math.max(maxAbsDifference, Math.abs(engine[i]! - scores[i]!));
      const enginePredicted = argmaxRows(engine, rows, classes);
      for (let r = 0; r < rows; r++) if (enginePredicted[r] === test.labels[start + r]) engineCorrect++;
    }
  }
  const single = batch.subarray(0, size);
  const singleRuns = 50;
  const singleStart = performance.now();
  for (let i = 0; i < singleRuns; i++) await classifier.scores(single, 1);
  const singleImageLatencyMs = (performance.now() - singleStart) / singleRuns;

  const onnxAccuracy = correct / test.count;
  const engineAccuracy = engineLogits ? engineCorrect / test.count : null;
  if (nonFinite > 0) problems.push(`${nonFinite} of ${test.count} test images got scores that are not numbers (NaN or infinity)`);
  if (engineLogits && !(maxAbsDifference <= LOGITS_BOUND)) {
    problems.push(`logits differ from the engine's by up to ${maxAbsDifference.toExponential(2)} (bound ${LOGITS_BOUND})`);
  }
  if (engineAccuracy !== null && engineAccuracy !== onnxAccuracy) {
    problems.push(`test accuracy ${onnxAccuracy} in onnxruntime but ${engineAccuracy} in the engine`);
  }
  return {
    passed: problems.length === 0,
    problems,
    images: test.count,
    maxAbsDifference: engineLogits ? maxAbsDifference : null,
    bound: LOGITS_BOUND,
    onnxAccuracy,
    engineAccuracy,
    batchLatencyMs: (runSeconds * 1000) / test.count,
    singleImageLatencyMs,
    validatedAt: new Date().toISOString(),
    bytes,
  };
}
