import { z } from 'zod';
import type { EvaluationRecord } from '../src-engine/training/evaluation-record';
import { trainConfigSchema, type Exactly, type SchemaOf } from './config';
import type { LayerTrace } from './api';
import { onnxReportSchema } from './run-record';

/**
 * Messages between a host (Electron main, the CLI, the web host, tests) and a trainer process. Both
 * directions are validated with these schemas where they arrive. Large arrays travel as typed arrays
 * (structured clone), never as JSON number lists.
 */

/** Losses and accuracies may legitimately be NaN or Infinity (a diverged run), which z.number() refuses. */
const anyNumber = z.custom<number>((value) => typeof value === 'number', 'must be a number');
const requestId = z.string().min(1).max(100);
const floatArray = z.union([z.instanceof(Float32Array), z.instanceof(Float64Array)]);

export const runTargetSchema = z
  .object({
    /** The run's directory: the trainer appends metrics.jsonl and writes checkpoint.bin there. */
    directory: z.string().min(1),
    /** Continue from the directory's checkpoint instead of starting from fresh weights. */
    resume: z.boolean().default(false),
  })
  .strict();

export const trainerCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), config: trainConfigSchema, run: runTargetSchema.optional() }).strict(),
  /** Load a run's checkpoint without training, to predict with it. */
  z.object({ type: z.literal('load'), config: trainConfigSchema, directory: z.string().min(1) }).strict(),
  z.object({ type: z.literal('pause') }).strict(),
  z.object({ type: z.literal('resume') }).strict(),
  z.object({ type: z.literal('stop') }).strict(),
  z
    .object({
      type: z.literal('predict'),
      requestId,
      /** rows x inputSize pixels in [0, 1]. */
      images: z.instanceof(Float32Array),
      rows: z.number().int().min(1).max(100_000),
    })
    .strict(),
  z.object({ type: z.literal('evaluate'), requestId }).strict(),
  z.object({ type: z.literal('exportWeights'), requestId }).strict(),
  /** Build the config's network and trace one forward/backward pass on the first training images. */
  z.object({ type: z.literal('layerGraph'), requestId, config: trainConfigSchema, batchSize: z.number().int().min(1).max(1000) }).strict(),
  /** Export the loaded network to ONNX and validate it with onnxruntime on the test set. */
  z.object({ type: z.literal('exportOnnx'), requestId, runId: z.string().optional(), runName: z.string().optional(), appVersion: z.string() }).strict(),
  z
    .object({
      type: z.literal('gradientCheck'),
      requestId,
      config: trainConfigSchema,
      samples: z.number().int().min(1).max(32).default(3),
    })
    .strict(),
]);
export type TrainerCommand = z.infer<typeof trainerCommandSchema>;
export type TrainerCommandInput = z.input<typeof trainerCommandSchema>;

/** The engine's EvaluationRecord as it travels between processes. */
export const evaluationRecordSchema = z.object({
  iteration: z.number().int(),
  epoch: z.number(),
  trainAccuracy: anyNumber,
  testAccuracy: anyNumber,
  trainLoss: anyNumber,
  testLoss: anyNumber,
  final: z.boolean(),
});
type EvaluationRecordSchemaMatches = SchemaOf<Exactly<Readonly<z.output<typeof evaluationRecordSchema>>, EvaluationRecord>>;

export const finishStatusSchema = z.enum(['completed', 'stopped', 'diverged']);

export const trainerEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), backend: z.enum(['ts', 'native']), warning: z.string().optional(), iteration: z.number().int(), total: z.number().int() }),
  /** Every batch loss since the previous progress event (at most ~20 events/s), starting at iteration `start`. */
  z.object({
    type: z.literal('progress'),
    start: z.number().int().min(0),
    iteration: z.number().int(),
    total: z.number().int(),
    losses: z.instanceof(Float64Array),
    elapsedSeconds: z.number(),
  }),
  z.object({ type: z.literal('epoch'), record: evaluationRecordSchema }),
  z.object({ type: z.literal('paused'), iteration: z.number().int() }),
  z.object({ type: z.literal('resumed'), iteration: z.number().int() }),
  z.object({
    type: z.literal('finished'),
    status: finishStatusSchema,
    iterations: z.number().int(),
    trainAccuracy: anyNumber,
    testAccuracy: anyNumber,
    seconds: z.number(),
    /** For a diverged run: what happened, for the user. */
    reason: z.string().optional(),
  }),
  z.object({ type: z.literal('failed'), reason: z.string() }),
  z.object({ type: z.literal('log'), level: z.enum(['info', 'warn', 'error']), message: z.string() }),
  z.object({ type: z.literal('loaded'), iteration: z.number().int() }),
  z.object({ type: z.literal('prediction'), requestId, probabilities: z.instanceof(Float32Array), rows: z.number().int(), cols: z.number().int() }),
  z.object({ type: z.literal('evaluation'), requestId, record: evaluationRecordSchema }),
  z.object({
    type: z.literal('weights'),
    requestId,
    tensors: z.array(z.object({ name: z.string(), shape: z.array(z.number().int()), data: floatArray })),
  }),
  z.object({ type: z.literal('layerGraph'), requestId, trace: z.custom<LayerTrace>((v) => typeof v === 'object' && v !== null && Array.isArray((v as LayerTrace).layers)) }),
  z.object({ type: z.literal('onnxExport'), requestId, model: z.instanceof(Uint8Array), report: onnxReportSchema }),
  z.object({ type: z.literal('gradientCheck'), requestId, differences: z.record(z.string(), z.number()), bound: z.number() }),
  /** A request (predict, evaluate, ...) that could not be served; the run itself goes on. */
  z.object({ type: z.literal('requestFailed'), requestId, reason: z.string() }),
]);
export type TrainerEvent = z.infer<typeof trainerEventSchema>;
export type TrainerEventType = TrainerEvent['type'];

/** Progress events are batched to at most this many per second, whatever the iteration rate. */
export const MAX_PROGRESS_EVENTS_PER_SECOND = 20;

/** Field-level description of a schema failure, for messages that travel back to the sender. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues.map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(message)'}: ${i.message}`).join('; ');
}
