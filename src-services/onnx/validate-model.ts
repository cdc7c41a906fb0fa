import ort from 'onnxruntime-node';
import type { OnnxReport } from '../../src-shared/run-record';
import type { DatasetSplit } from '../../src-engine/dataset';
import { inspectOnnxModel, OnnxModelError, type OnnxModelInfo } from './inspect-model';

/** float32 logits of the same weights, summed in a different order by ORT and by our kernels. */
export const LOGITS_BOUND = 1e-4;
const BATCH = 1000;

export function argmaxRows(values: Float32Array, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c]! > values[r * cols + best]!) best = c;
    out[r] = best;
  }
  return out;
}

/** A loaded model, ready to classify. */
export class OnnxClassifier {
  readonly info: OnnxModelInfo;
  private readonly session: ort.InferenceSession;

  private constructor(info: OnnxModelInfo, session: ort.InferenceSession) {
    this.info = info;
    this.session = session;
  }

  static async load(bytes: Uint8Array, source: string): Promise<OnnxClassifier> {
    const info = inspectOnnxModel(bytes, source);
    try {
      return new OnnxClassifier(info, await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 }));
    } catch (error) {
      throw new OnnxModelError(`${source}: onnxruntime cannot load it: ${(error as Error).message}`);
    }
  }

  /** rows x classes scores (the model's logits, or its probabilities when it outputs only those). */
  async scores(images: Float32Array, rows: number): Promise<Float32Array> {
    const input = new ort.Tensor('float32', images, [rows, this.info.inputSize]);
    const result = await this.session.run({ [this.info.inputName]: input }, [this.info.scoresName]);
    return result[this.info.scoresName]!.data as Float32Array;
  }

  /** Class probabilities for rows images. */
  async probabilities(images: Float32Array, rows: number): Promise<Float32Array> {
    const scores = await this.scores(images, rows);
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
  const problems: string[] = [];
  const size = test.rows * test.cols;
  if (classifier.info.inputSize !== size) {
    await classifier.release();
    throw new OnnxModelError(`${source}: takes ${classifier.info.inputSize} inputs, the test images have ${size} pixels`);
  }
  const classes = classifier.info.classes;
  let correct = 0;
  let engineCorrect = 0;
  let maxAbsDifference = 0;
  let runSeconds = 0;
  const batch = new Float32Array(BATCH * size);
  for (let start = 0; start < test.count; start += BATCH) {
    const rows = Math.min(BATCH, test.count - start);
    for (let i = 0; i < rows * size; i++) batch[i] = test.images[start * size + i]! / 255;
    const began = performance.now();
    const scores = await classifier.scores(batch.subarray(0, rows * size), rows);
    runSeconds += (performance.now() - began) / 1000;
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
  await classifier.release();

  const onnxAccuracy = correct / test.count;
  const engineAccuracy = engineLogits ? engineCorrect / test.count : null;
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
    bytes: bytes.length,
  };
}
