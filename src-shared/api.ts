import { z } from 'zod';
import type { InputActivations, LayerActivation } from '../src-engine/experiments/input-activations';
import type { NetworkActivations } from '../src-engine/experiments/network-activations';
import type { LayerWeightHistogram } from '../src-engine/experiments/weight-histograms';
import type { GradientCheckResult } from '../src-engine/gradient-check';
import type { LayerTrace } from '../src-engine/graph/layer-graph';
import { datasetSchema, type ConfigIssue, type TrainConfig } from './config';
import { ACTIVATION_SAMPLES, LAYER_GRAPH_BATCH, ONNX_LIMITS, WEIGHT_HISTOGRAM_BINS } from './limits';
import type { LossBuckets } from './series/buckets';
import { RUN_ID_PATTERN, type OnnxReport, type RunListing, type RunRecord, type StoredEvaluation } from './run-record';
import type { StoredSweep, Sweep } from './sweep';
import { activationSamplesSchema, gradientCheckSamplesSchema, layerGraphBatchSchema, weightHistogramBinsSchema, type LogLevel, type TrainerEventOf } from './trainer-protocol';

/**
 * The workbench API: what the renderer may ask of its host. The desktop app serves it over Electron IPC
 * (the preload's one `window.backprop` object), `npm run web` over a WebSocket. Both hosts validate every
 * request with these schemas before any service sees it; both answer with the same envelope.
 */

const runIdSchema = z.string().regex(RUN_ID_PATTERN, 'must be a run id').max(200);
const byId = z.object({ id: runIdSchema }).strict();
const none = z.object({}).strict();

export const MAX_WEIGHT_TILES = 100;
const MAX_TEST_IMAGES = 100;
/** Mistakes a confusion matrix lists overall (most confident first), and image indices it keeps per cell. */
export const MAX_CONFUSION_MISTAKES = 100;
export const MAX_CELL_IMAGES = 100;
/** Test images one classifiedImages request may name. */
const MAX_CLASSIFIED_IMAGES = 100;
/** The base64 of the largest .onnx file a client may import (48 MiB for 36 MiB). */
const MAX_ONNX_BASE64 = Math.ceil(ONNX_LIMITS.maxImportBytes / 3) * 4;
/** The largest request either transport accepts (a WebSocket frame, an IPC payload): an imported .onnx and its envelope. */
export const MAX_REQUEST_BYTES = MAX_ONNX_BASE64 + 64 * 1024;
/** Arrays and objects nested deeper than this are refused before parsing: no request needs more than a handful of levels. */
export const MAX_REQUEST_DEPTH = 32;

/** Pixels of one image a request may carry (a 1000x1000 image; the MNIST ones have 784). */
const MAX_IMAGE_PIXELS = 1_000_000;
const imagePixel = z.number({ error: 'each pixel must be a number' }).min(0, 'each pixel must be between 0 and 1').max(1, 'each pixel must be between 0 and 1');

/** Most buckets one curve request may ask for: two per pixel of a 4K-wide chart. */
export const MAX_CURVE_POINTS = 8192;
/** The furthest iteration a curve request may name (far past any run; the reader never walks a gap). */
export const MAX_CURVE_ITERATION = 2 ** 40;
const curveIteration = z.number().int().min(0).max(MAX_CURVE_ITERATION);

export const apiRequestSchemas = {
  info: none,
  listRuns: none,
  /** Every loss and evaluation (CSV export); refused past MAX_LOSS_POINTS losses. The charts use runCurve. */
  runMetrics: byId,
  /**
   * A run's loss curve for a chart: the iterations [from, to) (default: all) in at most `points` min/max
   * buckets, smoothed with `smoothing` over the whole run, with its evaluations and time stamps.
   */
  runCurve: z
    .object({
      id: runIdSchema,
      from: curveIteration.default(0),
      to: curveIteration.optional(),
      points: z.number().int().min(2).max(MAX_CURVE_POINTS),
      smoothing: z.number().min(0).lt(1, 'must be less than 1'),
    })
    .strict()
    .refine((r) => r.to === undefined || r.to > r.from, { message: 'to must be greater than from', path: ['to'] }),
  /** The config is checked by the config schema in the service, so its issues come back per field. */
  startRun: z.object({ config: z.unknown(), name: z.string().trim().min(1).max(200).optional() }).strict(),
  pauseRun: byId,
  /** Continues a paused run. */
  resumeRun: byId,
  stopRun: byId,
  /** The supervisor's queue: which runs wait, in what order, and why. */
  runQueue: none,
  /** Continues a stopped, interrupted or failed run from its checkpoint. */
  continueRun: byId,
  renameRun: z.object({ id: runIdSchema, name: z.string().trim().min(1, 'must not be empty').max(200) }).strict(),
  deleteRun: byId,
  openRunFolder: byId,
  predict: z.object({ id: runIdSchema, pixels: z.array(z.number().min(0).max(1)).min(1).max(1_000_000) }).strict(),
  /** d logit(class) / d pixel of one image through the run's network; classIndex absent: the predicted class. */
  inputGradient: z
    .object({ id: runIdSchema, pixels: z.array(z.number().min(0).max(1)).min(1).max(1_000_000), classIndex: z.number().int().min(0).max(100_000).optional() })
    .strict(),
  /**
   * One input's way through the run's network: every Affine, BatchNorm and activation layer's output and the
   * class probabilities, for a drawn image (`pixels` in [0, 1]) or a test image of the run's dataset (`testIndex`).
   */
  inputActivations: z
    .object({
      id: runIdSchema,
      pixels: z.array(imagePixel).min(1, 'the image has no pixels').max(MAX_IMAGE_PIXELS, `an image has at most ${MAX_IMAGE_PIXELS} pixels`).optional(),
      testIndex: z
        .number({ error: 'the test image index must be a number' })
        .int('the test image index must be a whole number')
        .min(0, 'the test image index must be 0 or more')
        .max(Number.MAX_SAFE_INTEGER, 'the test image index is too large')
        .optional(),
    })
    .strict()
    .refine((r) => (r.pixels === undefined) !== (r.testIndex === undefined), {
      message: 'give either pixels (a drawn image) or testIndex (a test image), one of the two',
    }),
  firstLayerWeights: z.object({ id: runIdSchema, units: z.number().int().min(1).max(MAX_WEIGHT_TILES).default(36) }).strict(),
  /** Each hidden layer's activations as histograms, for the first `samples` test images through the run's network. */
  activationHistograms: z.object({ id: runIdSchema, samples: activationSamplesSchema.default(ACTIVATION_SAMPLES.default) }).strict(),
  /** Each affine layer's weights as a histogram over ±max|w|, from the live network while it trains, else the checkpoint. */
  weightHistograms: z.object({ id: runIdSchema, bins: weightHistogramBinsSchema.default(WEIGHT_HISTOGRAM_BINS.default) }).strict(),
  testImages: z
    .object({ dataset: datasetSchema, offset: z.number().int().min(0), count: z.number().int().min(1).max(MAX_TEST_IMAGES) })
    .strict(),
  /** A finished run's confusion matrix on its dataset's whole test set, with its most confident mistakes. */
  confusion: byId,
  /** Test images by index with the run's class probabilities for each (the Inspect view's mistakes). */
  classifiedImages: z
    .object({ id: runIdSchema, indices: z.array(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)).min(1).max(MAX_CLASSIFIED_IMAGES) })
    .strict(),
  gradientCheck: z.object({ config: z.unknown(), samples: gradientCheckSamplesSchema }).strict(),
  cancelGradientCheck: none,
  /** One forward/backward pass of the config's network on a batch: shapes and gradient norms per layer. */
  layerGraph: z.object({ config: z.unknown(), batchSize: layerGraphBatchSchema.default(LAYER_GRAPH_BATCH.default) }).strict(),
  /** Export a finished run to ONNX, validated by onnxruntime on the test set; desktop then asks where to save. */
  exportOnnx: byId,
  /** The run's validated model.onnx as base64, for a browser download. */
  onnxFile: byId,
  /** Load an .onnx (this app's or any MLP of the same operators) for the Draw view. */
  importOnnx: z.object({ fileName: z.string().min(1).max(300), base64: z.string().min(1).max(MAX_ONNX_BASE64) }).strict(),
  listOnnxModels: none,
  removeOnnxModel: z.object({ modelId: z.string().min(1).max(100) }).strict(),
  /** Sweeps (chapter 6.5): presets, the stored ones, start (validated by the sweep schema), cancel, resume. */
  sweepPresets: none,
  listSweeps: none,
  startSweep: z.object({ sweep: z.unknown() }).strict(),
  cancelSweep: z.object({ id: runIdSchema }).strict(),
  resumeSweep: z.object({ id: runIdSchema }).strict(),
  /** Retrain a trial's config on the full training set (no subset, no hold-out). */
  promoteTrial: byId,
  predictOnnx: z.object({ modelId: z.string().min(1).max(100), pixels: z.array(z.number().min(0).max(1)).min(1).max(1_000_000) }).strict(),
  /** Desktop only: native open/save dialogs. The browser uses an upload and a download instead. */
  openConfigFile: none,
  saveConfigFile: z.object({ config: z.unknown(), suggestedName: z.string().max(200).optional() }).strict(),
} as const;

export type ApiMethod = keyof typeof apiRequestSchemas;
export type ApiParams<M extends ApiMethod> = z.input<(typeof apiRequestSchemas)[M]>;
export type ApiParsedParams<M extends ApiMethod> = z.output<(typeof apiRequestSchemas)[M]>;

/** The desktop app (Electron) or `npm run web` (a browser). */
export type HostMode = 'desktop' | 'web';

export interface HostInfo {
  readonly mode: HostMode;
  readonly platform: string;
  readonly cores: number;
  readonly runsDirectory: string;
  readonly versions: { readonly app: string; readonly node: string; readonly electron?: string; readonly chrome?: string };
}

export interface RunMetrics {
  /** Loss of every iteration from 0 (null where it was not finite). */
  readonly losses: ReadonlyArray<number | null>;
  readonly evaluations: readonly StoredEvaluation[];
}

/**
 * Why a queued run has not started yet: every training slot is taken (a paused run keeps its slot), it does
 * not fit in the memory budget beside the runs training, or other runs are queued ahead of it.
 */
type QueueWait = 'slot' | 'memory' | 'ahead';

export interface QueuedRunState {
  readonly runId: string;
  /** 1 for the next run to start. */
  readonly position: number;
  readonly waitingFor: QueueWait;
  /** What it needs to train (the engine's estimate), weighed against the budget. */
  readonly memoryBytes: number;
}

/** The host's training queue, as its supervisor sees it. */
export interface RunQueueState {
  /** Runs that may train at once. */
  readonly concurrency: number;
  /** Runs holding a slot: training, paused, or just ending. */
  readonly training: number;
  readonly memoryBudgetBytes: number;
  /** In the order they start. */
  readonly queued: readonly QueuedRunState[];
}

/** A run's loss curve at a chart's resolution (see runCurve). */
export interface RunCurve {
  /** Losses recorded: the last iteration + 1. */
  readonly iterations: number;
  readonly losses: LossBuckets;
  readonly evaluations: readonly StoredEvaluation[];
  /** (iteration, seconds since the Unix epoch) where losses were written, thinned to about `points`; empty for runs stored before times were kept. */
  readonly times: ReadonlyArray<readonly [number, number]>;
}

/** Class probabilities of one image. */
export interface Prediction {
  readonly probabilities: number[];
}

/** The saliency of one image: d score(class) / d pixel, the score being the class's logit before softmax. */
export interface InputSaliency {
  /** One value per input pixel. */
  readonly gradient: number[];
  /** The class the gradient is for (the predicted one when none was asked). */
  readonly classIndex: number;
  readonly probabilities: number[];
}

/** What one input does inside a run's network (the engine's InputActivations), with the test image when one was asked by index. */
export interface InsideInput extends InputActivations {
  /** The test image as stored, with its label; null for a drawn image. */
  readonly testImage: TestImage | null;
}

export interface WeightTiles {
  /** units x inputSize values, row-major: one tile per hidden unit of the first layer (per filter of a first convolution). */
  readonly data: number[];
  readonly units: number;
  readonly inputSize: number;
  readonly iteration: number | null;
  /** A first convolution's filters: (units, C, FH, FW), each tile C*FH*FW weights in that order; absent for an Affine. */
  readonly filterShape?: readonly [filters: number, channels: number, height: number, width: number];
}

export interface TestImage {
  readonly index: number;
  readonly label: number;
  /** rows x cols bytes, 0 = background. */
  readonly pixels: number[];
  readonly rows: number;
  readonly cols: number;
}

/** One test image the network got wrong: its true label, its prediction and the prediction's probability. */
export interface ConfusionMistake {
  readonly index: number;
  readonly label: number;
  readonly predicted: number;
  readonly confidence: number;
}

/** What the network predicts on the whole test set: counts by true label (rows) and prediction (columns). */
export interface ConfusionMatrix {
  readonly classes: number;
  /** Test images counted (the whole test split). */
  readonly images: number;
  /** classes x classes: counts[label][predicted]. */
  readonly counts: number[][];
  /** Per true class, the share predicted right; null for a class with no test images. */
  readonly perClassAccuracy: Array<number | null>;
  readonly accuracy: number;
  /** The MAX_CONFUSION_MISTAKES most confident mistakes, most confident first. */
  readonly mistakes: ConfusionMistake[];
  /** classes x classes: the test indices of each off-diagonal cell, most confident first, at most MAX_CELL_IMAGES (empty on the diagonal). */
  readonly cellImages: number[][][];
}

/** A run's confusion matrix, the checkpoint's iteration it was computed at and how long it took. */
export interface ConfusionReport extends ConfusionMatrix {
  readonly iteration: number | null;
  readonly seconds: number;
}

/** A test image and the class probabilities a run gives it. */
export interface ClassifiedImage extends TestImage {
  readonly probabilities: number[];
}

/** The engine's check, and how long it took in its process. */
export interface GradientCheckReport extends GradientCheckResult {
  readonly seconds: number;
}

/** The error message of a gradient check ended by cancelGradientCheck (the renderer tells it from a failure). */
export const GRADIENT_CHECK_CANCELLED = 'gradient check cancelled';

/** What an .onnx file says about the classifier in it. */
export interface OnnxModelDescription {
  readonly inputSize: number;
  readonly classes: number;
  readonly operators: readonly string[];
  readonly producer: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ImportedOnnxModel extends OnnxModelDescription {
  readonly modelId: string;
  readonly fileName: string;
  /** onnxruntime on the bundled MNIST test set (when the model takes 784 inputs). */
  readonly report: OnnxReport | null;
}

/** One forward/backward pass as the Graph view draws it: the engine's own type. */
export type { LayerTrace };

/** One layer's output for one input (inputActivations): the engine's own type. */
export type { LayerActivation };

/** A run's activation histograms on test images: the engine's own type. */
export type { NetworkActivations };

/** A run's weight histograms (the engine's LayerWeightHistogram), W1 first; `iteration` is the checkpoint's when they come from one. */
export interface WeightHistograms {
  readonly layers: readonly LayerWeightHistogram[];
  readonly iteration: number | null;
}

/** A sweep definition shipped in resources/sweeps. */
export interface SweepPreset {
  readonly file: string;
  readonly sweep: Sweep;
}

export interface SweepSummary extends StoredSweep {
  readonly trials: number;
  /** Whether this host is running it now (else it can be resumed if unfinished). */
  readonly active: boolean;
}

interface ApiResults {
  info: HostInfo;
  listRuns: RunListing[];
  runMetrics: RunMetrics;
  runCurve: RunCurve;
  startRun: RunRecord;
  pauseRun: null;
  resumeRun: null;
  stopRun: null;
  runQueue: RunQueueState;
  continueRun: RunRecord;
  renameRun: RunRecord;
  deleteRun: null;
  /** The folder's path; the desktop app also opens it in the file manager. */
  openRunFolder: { path: string; opened: boolean };
  predict: Prediction;
  inputGradient: InputSaliency;
  inputActivations: InsideInput;
  /** null while the run has no weights yet (queued, starting, or ended before its first checkpoint). */
  firstLayerWeights: WeightTiles | null;
  activationHistograms: NetworkActivations;
  /** null while the run has no weights yet, like firstLayerWeights. */
  weightHistograms: WeightHistograms | null;
  testImages: TestImage[];
  confusion: ConfusionReport;
  classifiedImages: ClassifiedImage[];
  gradientCheck: GradientCheckReport;
  cancelGradientCheck: null;
  layerGraph: LayerTrace;
  /** modelPath is null when validation failed (then nothing is saved); savedTo is the desktop's chosen copy. */
  exportOnnx: { report: OnnxReport; modelPath: string | null; savedTo: string | null };
  onnxFile: { fileName: string; base64: string };
  importOnnx: ImportedOnnxModel;
  listOnnxModels: ImportedOnnxModel[];
  removeOnnxModel: null;
  predictOnnx: Prediction;
  sweepPresets: SweepPreset[];
  listSweeps: SweepSummary[];
  startSweep: { id: string };
  cancelSweep: null;
  resumeSweep: { id: string };
  promoteTrial: RunRecord;
  /** null when the user cancelled the dialog. */
  openConfigFile: { path: string; config: TrainConfig } | null;
  saveConfigFile: { path: string } | null;
}

export type ApiResult<M extends ApiMethod> = ApiResults[M];

/** Every answer, over either transport. `issues` carries config field errors. */
export type ApiEnvelope<T = unknown> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string; readonly issues?: readonly ConfigIssue[] };

/** A trainer's progress event for one run, its losses in JSON form (null where not finite). */
type RunProgress = Readonly<Omit<TrainerEventOf<'progress'>, 'losses'>> & { readonly runId: string; readonly losses: ReadonlyArray<number | null> };

/** A message for the user about a run ('' when it concerns no single run). */
export interface RunLog {
  readonly runId: string;
  readonly level: LogLevel;
  readonly message: string;
}

/** Pushed from the host to every connected renderer. */
export type WorkbenchEvent =
  | { readonly type: 'run'; readonly record: RunRecord }
  | { readonly type: 'runDeleted'; readonly id: string }
  /** The training queue changed: a run queued, started, ended or left the queue. */
  | { readonly type: 'queue'; readonly state: RunQueueState }
  /** A sweep started, ended or was cancelled on this host: its summary changed. */
  | { readonly type: 'sweep'; readonly id: string; readonly active: boolean }
  | RunProgress
  | { readonly type: 'evaluation'; readonly runId: string; readonly point: StoredEvaluation }
  | ({ readonly type: 'log' } & RunLog)
  /** Desktop only: an application-menu command for the renderer to carry out. */
  | { readonly type: 'menu'; readonly action: MenuAction };

export type MenuAction = 'open-config' | 'save-config' | 'export-run' | 'export-onnx' | 'show-network' | 'show-train' | 'show-runs' | 'show-draw' | 'show-gradient-check' | 'show-graph' | 'show-sweeps' | 'show-inspect';

/** A request's number, chosen by the client and echoed in its answer. */
export const requestIdSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** WebSocket frames of web mode: requests carry an id, answers echo it; events have none. */
export const webRequestFrameSchema = z
  .object({ id: requestIdSchema, method: z.string().min(1).max(100), params: z.unknown() })
  .strict();
export type WebFrame = { readonly id: number; readonly envelope: ApiEnvelope } | { readonly event: WorkbenchEvent };

