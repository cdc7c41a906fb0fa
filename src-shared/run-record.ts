import { z } from 'zod';
import type { BackendName } from '../src-engine/backend';
import type { EvaluationRecord } from '../src-engine/training/evaluation-record';
import type { LayerGradientFlow } from '../src-engine/training/gradient-flow';
import type { TrainingResult } from '../src-engine/training/training-run';
import { dtypeSchema, trainConfigSchema } from './config';
import { schemaFor } from './exact-schema';
import { MAX_AFFINE_LAYERS } from './limits';
import { sweepTagSchema } from './sweep';

/** run.json: what the run store keeps about one run, next to its metrics and checkpoint. */
export const RUN_FORMAT_VERSION = 1;

/** Run ids (and sweep ids) are directory names: letters, digits, '.', '_' and '-' only. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/** JSON has no NaN or Infinity (a diverged run's losses): they are stored as null. */
export const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** T's JSON form: the fields K, which may be NaN or ±Infinity, become `number | null` (see finiteOrNull). */
type NonFiniteAsNull<T, K extends keyof T> = { readonly [P in keyof T]: P extends K ? T[P] | null : T[P] };

export const backendNameSchema = schemaFor<BackendName>()(z.enum(['ts', 'native', 'wasm']));

const runStatusSchema = z.enum(['queued', 'running', 'paused', 'completed', 'stopped', 'failed', 'diverged', 'interrupted']);
export type RunStatus = z.infer<typeof runStatusSchema>;

/** What a finished training reports, in the engine's words; the trainer's `finished` event carries the same. */
export type TrainingOutcome = Pick<TrainingResult, 'iterations' | 'trainAccuracy' | 'testAccuracy' | 'seconds'>;

/** run.json's summary: the outcome's JSON form, and the best test accuracy of any evaluation. */
export type RunSummary = NonFiniteAsNull<TrainingOutcome, 'trainAccuracy' | 'testAccuracy'> & { readonly bestTestAccuracy: number | null };

const runSummarySchema = schemaFor<RunSummary>()(
  z.object({
    iterations: z.number().int().min(0),
    trainAccuracy: z.number().nullable(),
    testAccuracy: z.number().nullable(),
    bestTestAccuracy: z.number().nullable(),
    seconds: z.number().min(0),
  }),
);

export function runSummary(outcome: TrainingOutcome, bestTestAccuracy: number | null): RunSummary {
  return {
    iterations: outcome.iterations,
    trainAccuracy: finiteOrNull(outcome.trainAccuracy),
    testAccuracy: finiteOrNull(outcome.testAccuracy),
    bestTestAccuracy,
    seconds: outcome.seconds,
  };
}

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

/** The statuses a run continues from (its checkpoint), when its resume check allows. */
export const RESUMABLE_STATUSES: readonly RunStatus[] = ['stopped', 'interrupted', 'failed'];

/**
 * Whether a stopped, interrupted or failed run can continue, and if not, why (no checkpoint, a damaged one, a
 * config this version no longer accepts). Worked out by the run store whenever it reads the run; never stored.
 */
const resumeCheckSchema = z.discriminatedUnion('possible', [
  z.object({ possible: z.literal(true) }),
  z.object({ possible: z.literal(false), reason: z.string() }),
]);
export type ResumeCheck = z.infer<typeof resumeCheckSchema>;

export const runRecordSchema = z.object({
  formatVersion: z.number().int().min(1),
  id: z.string().regex(RUN_ID_PATTERN),
  name: z.string(),
  config: trainConfigSchema,
  status: runStatusSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  backend: backendNameSchema.optional(),
  /** Set when the config said auto and the native addon did not load here: which backend ran instead, and why. */
  backendNote: z.string().max(1000).optional(),
  dtype: dtypeSchema,
  versions: z.object({ app: z.string(), node: z.string() }),
  /** Why a run failed or diverged, in words for the user. */
  reason: z.string().optional(),
  summary: runSummarySchema.optional(),
  /** Set when a completed or stopped run ended stuck at chance (see stalledAtChance): why, and what to try. */
  stalled: z.string().max(1000).optional(),
  /** The last ONNX export's validation (the model itself is model.onnx in the run's folder when it passed). */
  onnx: onnxReportSchema.optional(),
  /** A trial of a hyperparameter sweep: which sweep, which trial, what it varied. */
  sweep: sweepTagSchema.optional(),
  /** Present on stopped, interrupted and failed runs as the store reads them (see ResumeCheck). */
  resume: resumeCheckSchema.optional(),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

/** The engine's evaluation fields that a diverged run makes NaN or ±Infinity. */
type MeasuredField = 'trainAccuracy' | 'testAccuracy' | 'trainLoss' | 'testLoss';

/** One layer's gradient flow as stored: a norm or ratio that is not finite (an overflowing gradient, W_before = 0) as null. */
export type StoredLayerGradientFlow = NonFiniteAsNull<LayerGradientFlow, keyof LayerGradientFlow>;

/** An evaluation as stored in metrics.jsonl and shown in the UI: the engine's record, non-finite values as null. */
export type StoredEvaluation = NonFiniteAsNull<Omit<EvaluationRecord, 'gradients'>, MeasuredField> & {
  /** Absent in runs recorded before the gradient flow was (and on evaluations made on request). */
  readonly gradients?: readonly StoredLayerGradientFlow[];
};

const storedEvaluationSchema = schemaFor<StoredEvaluation>()(
  z.object({
    iteration: z.number().int(),
    epoch: z.number(),
    trainAccuracy: z.number().nullable(),
    testAccuracy: z.number().nullable(),
    trainLoss: z.number().nullable(),
    testLoss: z.number().nullable(),
    final: z.boolean(),
    gradients: z
      .array(z.object({ weightNorm: z.number().nullable(), biasNorm: z.number().nullable(), updateRatio: z.number().nullable() }))
      .max(MAX_AFFINE_LAYERS)
      .readonly()
      .optional(),
  }),
);

export function storedEvaluation(record: EvaluationRecord): StoredEvaluation {
  const stored = {
    iteration: record.iteration,
    epoch: record.epoch,
    trainAccuracy: finiteOrNull(record.trainAccuracy),
    testAccuracy: finiteOrNull(record.testAccuracy),
    trainLoss: finiteOrNull(record.trainLoss),
    testLoss: finiteOrNull(record.testLoss),
    final: record.final,
  };
  if (!record.gradients) return stored;
  const gradients = record.gradients.map((layer) => ({
    weightNorm: finiteOrNull(layer.weightNorm),
    biasNorm: finiteOrNull(layer.biasNorm),
    updateRatio: finiteOrNull(layer.updateRatio),
  }));
  return { ...stored, gradients };
}

/** One line of metrics.jsonl (`type` first, as the writer has always put it). */
export const metricsLineSchema = z.discriminatedUnion('type', [
  /** `t`: when the line was written (seconds since the Unix epoch), for x as wall time; absent in older runs. */
  z.object({ type: z.literal('losses'), start: z.number().int().min(0), values: z.array(z.number().nullable()), t: z.number().optional() }),
  z.object({ type: z.literal('evaluation'), ...storedEvaluationSchema.shape }),
]);
export type MetricsLine = z.infer<typeof metricsLineSchema>;

/** A listed run: a readable record, or a directory that could not be read, with why. */
export type RunListing =
  | { readonly kind: 'ok'; readonly record: RunRecord }
  | { readonly kind: 'damaged' | 'future-version'; readonly id: string; readonly problem: string };
