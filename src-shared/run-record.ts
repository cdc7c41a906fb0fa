import { z } from 'zod';
import { trainConfigSchema } from './config';
import { sweepTagSchema } from './sweep';

/** run.json: what the run store keeps about one run, next to its metrics and checkpoint. */
export const RUN_FORMAT_VERSION = 1;

export const runStatusSchema = z.enum(['queued', 'running', 'paused', 'completed', 'stopped', 'failed', 'diverged', 'interrupted']);
export type RunStatus = z.infer<typeof runStatusSchema>;

export const runSummarySchema = z.object({
  iterations: z.number().int().min(0),
  trainAccuracy: z.number().nullable(),
  testAccuracy: z.number().nullable(),
  bestTestAccuracy: z.number().nullable(),
  seconds: z.number().min(0),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

/** The check of an exported .onnx against the engine, run by onnxruntime on the whole test set. */
export const onnxReportSchema = z.object({
  passed: z.boolean(),
  /** What failed, in words for the user (empty when passed). */
  problems: z.array(z.string()),
  images: z.number().int().min(0),
  /** max |logits(ONNX) - logits(engine)| over the test set; null when there is no engine to compare with. */
  maxAbsDifference: z.number().nullable(),
  bound: z.number(),
  onnxAccuracy: z.number(),
  engineAccuracy: z.number().nullable(),
  /** Mean time per image when the test set runs in batches of 1000, and for one image at a time. */
  batchLatencyMs: z.number(),
  singleImageLatencyMs: z.number(),
  validatedAt: z.string(),
  bytes: z.number().int().min(0),
});
export type OnnxReport = z.infer<typeof onnxReportSchema>;

export const runRecordSchema = z.object({
  formatVersion: z.number().int().min(1),
  id: z.string().regex(/^[A-Za-z0-9._-]+$/),
  name: z.string(),
  config: trainConfigSchema,
  status: runStatusSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  backend: z.enum(['ts', 'native']).optional(),
  dtype: z.enum(['float32', 'float64']),
  versions: z.object({ app: z.string(), node: z.string() }),
  /** Why a run failed or diverged, in words for the user. */
  reason: z.string().optional(),
  summary: runSummarySchema.optional(),
  /** The last ONNX export's validation (the model itself is model.onnx in the run's folder when it passed). */
  onnx: onnxReportSchema.optional(),
  /** A trial of a hyperparameter sweep: which sweep, which trial, what it varied. */
  sweep: sweepTagSchema.optional(),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

/** One line of metrics.jsonl. */
export const metricsLineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('losses'), start: z.number().int().min(0), values: z.array(z.number().nullable()) }),
  z.object({
    type: z.literal('evaluation'),
    iteration: z.number().int(),
    epoch: z.number(),
    trainAccuracy: z.number().nullable(),
    testAccuracy: z.number().nullable(),
    trainLoss: z.number().nullable(),
    testLoss: z.number().nullable(),
    final: z.boolean(),
  }),
]);
export type MetricsLine = z.infer<typeof metricsLineSchema>;

/** A listed run: a readable record, or a directory that could not be read, with why. */
export type RunListing =
  | { readonly kind: 'ok'; readonly record: RunRecord }
  | { readonly kind: 'damaged' | 'future-version'; readonly id: string; readonly problem: string };

/** An evaluation as stored in metrics.jsonl and shown in the UI. */
export type StoredEvaluation = Omit<Extract<MetricsLine, { type: 'evaluation' }>, 'type'>;

/** JSON has no NaN or Infinity (a diverged run's losses): they are stored as null. */
export const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

export function storedEvaluation(record: {
  readonly iteration: number;
  readonly epoch: number;
  readonly trainAccuracy: number;
  readonly testAccuracy: number;
  readonly trainLoss: number;
  readonly testLoss: number;
  readonly final: boolean;
}): StoredEvaluation {
  return {
    iteration: record.iteration,
    epoch: record.epoch,
    trainAccuracy: finiteOrNull(record.trainAccuracy),
    testAccuracy: finiteOrNull(record.testAccuracy),
    trainLoss: finiteOrNull(record.trainLoss),
    testLoss: finiteOrNull(record.testLoss),
    final: record.final,
  };
}
