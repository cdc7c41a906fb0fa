import { z } from 'zod';
import { MAX_FEATURE_MAP_UNITS, type InputActivations } from '../src-engine/experiments/input-activations';
import type { NetworkActivations } from '../src-engine/experiments/network-activations';
import type { LayerWeightHistogram } from '../src-engine/experiments/weight-histograms';
import type { GradientCheckResult } from '../src-engine/gradient-check';
import type { EvaluationRecord } from '../src-engine/training/evaluation-record';
import type { TrainingStatus } from '../src-engine/training/training-run';
import type { LayerTrace } from './api';
import { trainConfigSchema } from './config';
import { schemaFor } from './exact-schema';
import { ACTIVATION_SAMPLES, GRADIENT_CHECK_SAMPLES, LAYER_GRAPH_BATCH, MAX_AFFINE_LAYERS, WEIGHT_HISTOGRAM_BINS } from './limits';
import { backendNameSchema, onnxReportSchema, type TrainingOutcome } from './run-record';

/**
 * Messages between a host (Electron main, the CLI, the web host, tests) and a trainer process. Both
 * directions are validated with these schemas where they arrive. Large arrays travel as typed arrays
 * (structured clone), never as JSON number lists.
 */

/** Losses and accuracies may legitimately be NaN or Infinity (a diverged run), which z.number() refuses. */
const anyNumber = z.custom<number>((value) => typeof value === 'number', 'must be a number');
const requestId = z.string().min(1).max(100);
const floatArray = z.union([z.instanceof(Float32Array), z.instanceof(Float64Array)]);

export const gradientCheckSamplesSchema = z.number().int().min(GRADIENT_CHECK_SAMPLES.min).max(GRADIENT_CHECK_SAMPLES.max).default(GRADIENT_CHECK_SAMPLES.default);
export const layerGraphBatchSchema = z.number().int().min(LAYER_GRAPH_BATCH.min).max(LAYER_GRAPH_BATCH.max);
export const activationSamplesSchema = z.number().int().min(ACTIVATION_SAMPLES.min).max(ACTIVATION_SAMPLES.max);
export const weightHistogramBinsSchema = z.number().int().min(WEIGHT_HISTOGRAM_BINS.min).max(WEIGHT_HISTOGRAM_BINS.max);

const runTargetSchema = z
  .object({
    /** The run's directory: the trainer appends metrics.jsonl and writes checkpoint.bin there. */
    directory: z.string().min(1),
    /** Continue from the directory's checkpoint instead of starting from fresh weights. */
    resume: z.boolean().default(false),
  })
  .strict();

export const trainerCommandSchema = z.discriminatedUnion('type', [
  /** Train a run; also once the process's previous run has finished (a reused process keeps its decoded datasets). */
  z
    .object({
      type: z.literal('start'),
      config: trainConfigSchema,
      run: runTargetSchema.optional(),
      /** Native kernel threads for this process (the supervisor's share of the cores); absent: all cores. */
      threads: z.number().int().min(1).max(256).optional(),
    })
    .strict(),
  /** A new share of the cores for the native kernels (the supervisor's, when the number of trainers at work changes). */
  z.object({ type: z.literal('threads'), threads: z.number().int().min(1).max(256) }).strict(),
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
  /** d logit(class) / d pixel for one image of inputSize pixels; no classIndex: the predicted class. */
  z.object({ type: z.literal('inputGradient'), requestId, pixels: z.instanceof(Float32Array), classIndex: z.number().int().min(0).max(100_000).optional() }).strict(),
  /** Every Affine, BatchNorm and activation layer's output for one image of inputSize pixels, and the softmax. */
  z.object({ type: z.literal('inputActivations'), requestId, pixels: z.instanceof(Float32Array) }).strict(),
  z.object({ type: z.literal('evaluate'), requestId }).strict(),
  z.object({ type: z.literal('exportWeights'), requestId }).strict(),
  /** Build the config's network and trace one forward/backward pass on the first training images. */
  z.object({ type: z.literal('layerGraph'), requestId, config: trainConfigSchema, batchSize: layerGraphBatchSchema }).strict(),
  /** Export the loaded network to ONNX and validate it with onnxruntime on the test set. */
  z.object({ type: z.literal('exportOnnx'), requestId, runId: z.string().optional(), runName: z.string().optional(), appVersion: z.string() }).strict(),
  z
    .object({
      type: z.literal('gradientCheck'),
      requestId,
      config: trainConfigSchema,
      samples: gradientCheckSamplesSchema,
    })
    .strict(),
  /** The loaded network's activation histograms on the first `samples` test images. */
  z.object({ type: z.literal('activationHistograms'), requestId, samples: activationSamplesSchema }).strict(),
  /** The loaded network's weight histograms, one per affine layer. */
  z.object({ type: z.literal('weightHistograms'), requestId, bins: weightHistogramBinsSchema }).strict(),
]);
export type TrainerCommand = z.infer<typeof trainerCommandSchema>;
export type TrainerCommandInput = z.input<typeof trainerCommandSchema>;

/** The engine's EvaluationRecord as it travels (NaN and Infinity included: structured clone keeps them). */
const evaluationRecordSchema = schemaFor<EvaluationRecord>()(
  z.object({
    iteration: z.number().int(),
    epoch: z.number(),
    trainAccuracy: anyNumber,
    testAccuracy: anyNumber,
    trainLoss: anyNumber,
    testLoss: anyNumber,
    final: z.boolean(),
    gradients: z
      .array(z.object({ weightNorm: anyNumber, biasNorm: anyNumber, updateRatio: anyNumber }))
      .max(MAX_AFFINE_LAYERS)
      .readonly()
      .optional(),
  }),
);

const finishStatusSchema = schemaFor<TrainingStatus>()(z.enum(['completed', 'stopped', 'diverged']));

/** A run's end as the trainer reports it: the engine's outcome, and for a diverged run what happened. */
type TrainerFinished = TrainingOutcome & { readonly status: TrainingStatus; readonly reason?: string };
const finishedSchema = schemaFor<TrainerFinished>()(
  z.object({
    status: finishStatusSchema,
    iterations: z.number().int(),
    trainAccuracy: anyNumber,
    testAccuracy: anyNumber,
    seconds: z.number(),
    /** For a diverged run: what happened, for the user. */
    reason: z.string().optional(),
  }),
);

const gradientCheckResultSchema = schemaFor<GradientCheckResult>()(z.object({ differences: z.record(z.string(), z.number()), bound: z.number() }));

// Readonly arrays: the engine hands out its trace as readonly, and the event carries it as it is.
const layerTraceSchema = schemaFor<LayerTrace>()(
  z.object({
    batchSize: z.number().int(),
    loss: z.number(),
    layers: z.array(
      z.object({
        name: z.string(),
        kind: z.enum(['Convolution', 'Pooling', 'Affine', 'BatchNorm', 'Relu', 'Sigmoid', 'Dropout', 'SoftmaxWithLoss']),
        inputShape: z.array(z.number().int()).readonly(),
        outputShape: z.array(z.number().int()).readonly(),
        outputGradientNorm: z.number(),
        inputGradientNorm: z.number().nullable(),
        weightGradientNorm: z.number().optional(),
        biasGradientNorm: z.number().optional(),
      }),
    ).readonly(),
  }),
);

const histogramSchema = z.object({
  counts: z.array(z.number().int().min(0)).readonly(),
  edges: z.array(z.number()).readonly(),
  below: z.number().int().min(0),
  above: z.number().int().min(0),
  mean: anyNumber,
  std: anyNumber,
});
const networkActivationsSchema = schemaFor<NetworkActivations>()(
  z.object({ samples: z.number().int(), layers: z.array(z.object({ name: z.string(), histogram: histogramSchema })).readonly() }),
);
/** A net has at most 33 Affine layers (32 hidden), each followed by at most a BatchNorm and an activation. */
const MAX_ACTIVATION_LAYERS = 100;
/** One size of an image output's (C, H, W). */
const mapSize = z.number().int().min(1).max(100_000);
const inputActivationsSchema = schemaFor<InputActivations>()(
  z.object({
    layers: z
      .array(
        z.object({
          name: z.string().max(100),
          kind: z.enum(['Convolution', 'Pooling', 'Affine', 'BatchNorm', 'Relu', 'Sigmoid']),
          size: z.number().int().min(0),
          shape: z.tuple([mapSize, mapSize, mapSize]).readonly().optional(),
          values: z.array(anyNumber).max(MAX_FEATURE_MAP_UNITS).readonly(),
          min: anyNumber,
          max: anyNumber,
          zeros: z.number().int().min(0).nullable(),
          saturated: z.number().int().min(0).nullable(),
        }),
      )
      .max(MAX_ACTIVATION_LAYERS)
      .readonly(),
    probabilities: z.array(anyNumber).max(100_000).readonly(),
    predicted: z.number().int().min(0),
  }),
);
const layerWeightHistogramSchema = schemaFor<LayerWeightHistogram>()(z.object({ name: z.string(), histogram: histogramSchema, min: anyNumber, max: anyNumber }));

const logLevelSchema = z.enum(['info', 'warn', 'error']);
export type LogLevel = z.infer<typeof logLevelSchema>;

export const trainerEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ready'),
    backend: backendNameSchema,
    /** Which backend 'auto' took instead of the native one, and why (kept in the run record as backendNote). */
    warning: z.string().max(1000).optional(),
    iteration: z.number().int(),
    total: z.number().int(),
    /** The native kernels' thread count in this process (absent on the TypeScript backend). */
    threads: z.number().int().optional(),
  }),
  /** The native kernels' thread count after a 'threads' command (sent only when the pool changed). */
  z.object({ type: z.literal('threads'), threads: z.number().int() }),
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
  z.object({ type: z.literal('finished'), ...finishedSchema.shape }),
  z.object({ type: z.literal('failed'), reason: z.string() }),
  z.object({ type: z.literal('log'), level: logLevelSchema, message: z.string() }),
  z.object({ type: z.literal('loaded'), iteration: z.number().int() }),
  z.object({ type: z.literal('prediction'), requestId, probabilities: z.instanceof(Float32Array), rows: z.number().int(), cols: z.number().int() }),
  z.object({ type: z.literal('inputGradient'), requestId, gradient: z.instanceof(Float32Array), classIndex: z.number().int(), probabilities: z.instanceof(Float32Array) }),
  z.object({ type: z.literal('inputActivations'), requestId, activations: inputActivationsSchema }),
  z.object({ type: z.literal('evaluation'), requestId, record: evaluationRecordSchema }),
  z.object({
    type: z.literal('weights'),
    requestId,
    tensors: z.array(z.object({ name: z.string(), shape: z.array(z.number().int()), data: floatArray })),
  }),
  z.object({ type: z.literal('layerGraph'), requestId, trace: layerTraceSchema }),
  z.object({ type: z.literal('onnxExport'), requestId, model: z.instanceof(Uint8Array), report: onnxReportSchema }),
  z.object({ type: z.literal('gradientCheck'), requestId, ...gradientCheckResultSchema.shape }),
  z.object({ type: z.literal('activationHistograms'), requestId, activations: networkActivationsSchema }),
  z.object({ type: z.literal('weightHistograms'), requestId, layers: z.array(layerWeightHistogramSchema).max(1000) }),
  /** A request (predict, evaluate, ...) that could not be served; the run itself goes on. */
  z.object({ type: z.literal('requestFailed'), requestId, reason: z.string() }),
]);
export type TrainerEvent = z.infer<typeof trainerEventSchema>;
export type TrainerEventType = TrainerEvent['type'];
/** The command of one type, e.g. TrainerCommandOf<'predict'>. */
export type TrainerCommandOf<T extends TrainerCommand['type']> = Extract<TrainerCommand, { type: T }>;

/** The event of one type, e.g. TrainerEventOf<'progress'>. */
export type TrainerEventOf<T extends TrainerEventType> = Extract<TrainerEvent, { type: T }>;

/** Field-level description of a schema failure, for messages that travel back to the sender. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues.map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(message)'}: ${i.message}`).join('; ');
}
