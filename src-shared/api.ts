import { z } from 'zod';
import type { LayerTrace, TracedLayer } from '../src-engine/graph/layer-graph';
import { datasetSchema, type ConfigIssue, type TrainConfig } from './config';
import type { OnnxReport, RunListing, RunRecord, StoredEvaluation } from './run-record';
import type { Sweep } from './sweep';

/**
 * The workbench API: what the renderer may ask of its host. The desktop app serves it over Electron IPC
 * (the preload's one `window.backprop` object), `npm run web` over a WebSocket. Both hosts validate every
 * request with these schemas before any service sees it; both answer with the same envelope.
 */

export const runIdSchema = z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be a run id').max(200);
const byId = z.object({ id: runIdSchema }).strict();
const none = z.object({}).strict();

export const MAX_WEIGHT_TILES = 100;
export const MAX_TEST_IMAGES = 100;
/** 48 MB of base64: an MLP far bigger than any this app trains. */
export const MAX_ONNX_BASE64 = 48 * 1024 * 1024;

export const apiRequestSchemas = {
  info: none,
  listRuns: none,
  runMetrics: byId,
  /** The config is checked by the config schema in the service, so its issues come back per field. */
  startRun: z.object({ config: z.unknown(), name: z.string().trim().min(1).max(200).optional() }).strict(),
  pauseRun: byId,
  /** Continues a paused run. */
  resumeRun: byId,
  stopRun: byId,
  /** Continues a stopped, interrupted or failed run from its checkpoint. */
  continueRun: byId,
  renameRun: z.object({ id: runIdSchema, name: z.string().trim().min(1, 'must not be empty').max(200) }).strict(),
  deleteRun: byId,
  openRunFolder: byId,
  predict: z.object({ id: runIdSchema, pixels: z.array(z.number().min(0).max(1)).min(1).max(1_000_000) }).strict(),
  firstLayerWeights: z.object({ id: runIdSchema, units: z.number().int().min(1).max(MAX_WEIGHT_TILES).default(36) }).strict(),
  testImages: z
    .object({ dataset: datasetSchema, offset: z.number().int().min(0), count: z.number().int().min(1).max(MAX_TEST_IMAGES) })
    .strict(),
  gradientCheck: z.object({ config: z.unknown(), samples: z.number().int().min(1).max(32).default(3) }).strict(),
  cancelGradientCheck: none,
  /** One forward/backward pass of the config's network on a batch: shapes and gradient norms per layer. */
  layerGraph: z.object({ config: z.unknown(), batchSize: z.number().int().min(1).max(1000).default(100) }).strict(),
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

export interface HostInfo {
  readonly mode: 'desktop' | 'web';
  readonly platform: string;
  readonly cores: number;
  readonly runsDirectory: string;
  readonly versions: { readonly app: string; readonly node: string; readonly electron?: string; readonly chrome?: string };
}

/** Metrics with NaN/Infinity as null (JSON has no NaN). */
export type EvaluationPoint = StoredEvaluation;

export interface RunMetrics {
  /** Loss of every iteration from 0 (null where it was not finite). */
  readonly losses: ReadonlyArray<number | null>;
  readonly evaluations: readonly EvaluationPoint[];
}

export interface WeightTiles {
  /** units x inputSize values, row-major: one tile per hidden unit of the first layer. */
  readonly data: number[];
  readonly units: number;
  readonly inputSize: number;
  readonly iteration: number | null;
}

export interface TestImage {
  readonly index: number;
  readonly label: number;
  /** rows x cols bytes, 0 = background. */
  readonly pixels: number[];
  readonly rows: number;
  readonly cols: number;
}

export interface GradientCheckReport {
  readonly differences: Readonly<Record<string, number>>;
  readonly bound: number;
  readonly seconds: number;
}

export interface ImportedOnnxModel {
  readonly modelId: string;
  readonly fileName: string;
  readonly inputSize: number;
  readonly classes: number;
  readonly operators: readonly string[];
  readonly producer: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** onnxruntime on the bundled MNIST test set (when the model takes 784 inputs). */
  readonly report: OnnxReport | null;
}

/** One forward/backward pass as the Graph view draws it: the engine's own type. */
export type { LayerTrace, TracedLayer };

export interface SweepSummary {
  readonly id: string;
  readonly sweep: Sweep;
  readonly trials: number;
  /** Whether this host is running it now (else it can be resumed if unfinished). */
  readonly active: boolean;
}

export interface ApiResults {
  info: HostInfo;
  listRuns: RunListing[];
  runMetrics: RunMetrics;
  startRun: RunRecord;
  pauseRun: null;
  resumeRun: null;
  stopRun: null;
  continueRun: RunRecord;
  renameRun: RunRecord;
  deleteRun: null;
  /** The folder's path; the desktop app also opens it in the file manager. */
  openRunFolder: { path: string; opened: boolean };
  predict: { probabilities: number[] };
  firstLayerWeights: WeightTiles;
  testImages: TestImage[];
  gradientCheck: GradientCheckReport;
  cancelGradientCheck: null;
  layerGraph: LayerTrace;
  /** modelPath is null when validation failed (then nothing is saved); savedTo is the desktop's chosen copy. */
  exportOnnx: { report: OnnxReport; modelPath: string | null; savedTo: string | null };
  onnxFile: { fileName: string; base64: string };
  importOnnx: ImportedOnnxModel;
  listOnnxModels: ImportedOnnxModel[];
  removeOnnxModel: null;
  predictOnnx: { probabilities: number[] };
  sweepPresets: Array<{ file: string; sweep: Sweep }>;
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

/** Pushed from the host to every connected renderer. */
export type WorkbenchEvent =
  | { readonly type: 'run'; readonly record: RunRecord }
  | { readonly type: 'runDeleted'; readonly id: string }
  /** A sweep started, ended or was cancelled on this host: its summary changed. */
  | { readonly type: 'sweep'; readonly id: string; readonly active: boolean }
  | {
      readonly type: 'progress';
      readonly runId: string;
      readonly start: number;
      readonly iteration: number;
      readonly total: number;
      readonly losses: ReadonlyArray<number | null>;
      readonly elapsedSeconds: number;
    }
  | { readonly type: 'evaluation'; readonly runId: string; readonly point: EvaluationPoint }
  | { readonly type: 'log'; readonly runId: string; readonly level: 'info' | 'warn' | 'error'; readonly message: string }
  /** Desktop only: an application-menu command for the renderer to carry out. */
  | { readonly type: 'menu'; readonly action: MenuAction };

export type MenuAction = 'open-config' | 'save-config' | 'export-run' | 'export-onnx' | 'show-network' | 'show-train' | 'show-runs' | 'show-draw' | 'show-gradient-check' | 'show-graph' | 'show-sweeps';

/** WebSocket frames of web mode: requests carry an id, answers echo it; events have none. */
export const webRequestFrameSchema = z
  .object({ id: z.number().int().min(0), method: z.string().min(1).max(100), params: z.unknown() })
  .strict();
export type WebFrame = { readonly id: number; readonly envelope: ApiEnvelope } | { readonly event: WorkbenchEvent };

