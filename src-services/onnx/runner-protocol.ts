import { z } from 'zod';
import { onnxReportSchema } from '../../src-shared/run-record';
import type { OnnxModelInfo } from './inspect-model';

/**
 * Messages between a host and its ONNX runner process (runner-entry.ts), over Node's IPC channel with
 * 'advanced' serialization (typed arrays travel as binary). One job at a time: the host sends a command and
 * waits for the reply with the same jobId. Both sides validate what they receive.
 */

const jobId = z.number().int().min(1);
// Typed arrays of any buffer: what arrives over IPC is a fresh ArrayBuffer, what is sent may be a view.
const uint8Array = z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'expected a Uint8Array');
const float32Array = z.custom<Float32Array>((value) => value instanceof Float32Array, 'expected a Float32Array');
const modelId = z.string().min(1).max(100);

const testSplitSchema = z.object({
  images: uint8Array,
  labels: uint8Array,
  count: z.number().int().min(1),
  rows: z.number().int().min(1),
  cols: z.number().int().min(1),
});

export const runnerCommandSchema = z.discriminatedUnion('type', [
  /** Inspect the model within the limits, then load it into onnxruntime and keep it under modelId. */
  z.object({ type: z.literal('load'), jobId, modelId, source: z.string().max(1000), bytes: uint8Array }).strict(),
  /** Run a loaded model on a test split (validate-model.ts), optionally against the engine's logits. */
  z.object({ type: z.literal('validate'), jobId, modelId, test: testSplitSchema, engineLogits: float32Array.optional() }).strict(),
  /** Class probabilities for one image. */
  z.object({ type: z.literal('predict'), jobId, modelId, pixels: float32Array }).strict(),
  z.object({ type: z.literal('release'), jobId, modelId }).strict(),
]);
export type RunnerCommand = z.infer<typeof runnerCommandSchema>;

const metadataSchema = z.record(z.string(), z.string());

const modelInfoSchema: z.ZodType<OnnxModelInfo> = z.object({
  inputName: z.string(),
  inputDims: z.array(z.number().int().min(1)).min(1).max(3),
  inputSize: z.number().int().min(1),
  scoresName: z.string(),
  scoresAreProbabilities: z.boolean(),
  classes: z.number().int().min(1),
  operators: z.array(z.string()),
  producer: z.string(),
  opset: z.number().int(),
  fixedBatch: z.number().int().min(1).nullable(),
  checkedBatch: z.number().int().min(1),
  metadata: metadataSchema,
});

export const runnerReplySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('loaded'), jobId, info: modelInfoSchema }),
  z.object({ type: z.literal('validated'), jobId, report: onnxReportSchema }),
  z.object({ type: z.literal('predicted'), jobId, probabilities: float32Array }),
  z.object({ type: z.literal('released'), jobId }),
  /** refused: the model broke a check (OnnxModelError); otherwise onnxruntime or the runner failed. */
  z.object({ type: z.literal('failed'), jobId, message: z.string(), refused: z.boolean() }),
]);
export type RunnerReply = z.infer<typeof runnerReplySchema>;

/** The runner's own settings, passed as its one command-line argument (JSON). */
export const runnerSettingsSchema = z.object({ memoryCapBytes: z.number().int().min(1), watchdogIntervalMs: z.number().int().min(1).max(1000) }).strict();
export type RunnerSettings = z.infer<typeof runnerSettingsSchema>;

/** The file descriptor the runner's memory watchdog writes its last words to before it ends the process. */
export const RUNNER_REPORT_FD = 4;

/** The watchdog's last words: the resident set it saw over the cap. */
export const watchdogReportSchema = z.object({ memoryExceeded: z.number() }).strict();
