import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  apiRequestSchemas,
  MAX_WEIGHT_TILES,
  type ApiEnvelope,
  type ApiMethod,
  type ApiParsedParams,
  type ApiResult,
  type EvaluationPoint,
  type HostInfo,
  type RunMetrics,
  type WeightTiles,
  type WorkbenchEvent,
} from '../../src-shared/api';
import { ConfigError, parseTrainConfig, type DatasetConfig, type TrainConfig } from '../../src-shared/config';
import { sweepSchema, type Sweep } from '../../src-shared/sweep';
import { finiteOrNull, storedEvaluation } from '../../src-shared/run-record';
import { describeIssues } from '../../src-shared/trainer-protocol';
import type { ImportedOnnxModel } from '../../src-shared/api';
import type { Dataset } from '../../src-engine/dataset';
import { DatasetCache } from '../data/dataset-source';
import { projectRoot } from '../data/load-dataset';
import { OnnxClassifier, validateOnnxModel } from '../onnx/validate-model';
import { ONNX_FILE } from '../runs/run-store';
import { planTrials } from '../sweeps/sweep-plan';
import { SweepRunner } from '../sweeps/sweep-runner';
import type { RunSupervisor, SupervisorEvent } from '../trainers/run-supervisor';
import type { TrainerProcess, TrainerProcessFactory } from '../trainers/trainer-process';
import { requestFromTrainer } from '../trainers/trainer-requests';

/** What differs between hosts: the desktop opens folders and dialogs natively; the web host cannot. */
export interface WorkbenchHostHooks {
  openFolder?(path: string): Promise<boolean>;
  /** Desktop: asks where to save a copy of an exported model; null when the user cancels. */
  saveModelDialog?(suggestedName: string, model: Uint8Array): Promise<string | null>;
  openConfigDialog?(): Promise<{ path: string; text: string } | null>;
  saveConfigDialog?(suggestedName: string, text: string): Promise<string | null>;
}

export interface WorkbenchServiceOptions {
  readonly supervisor: RunSupervisor;
  readonly trainerFactory: TrainerProcessFactory;
  readonly info: HostInfo;
  readonly hooks?: WorkbenchHostHooks;
}

/** Loaded models kept warm for the Draw view (each is a trainer process holding one network). */
const PREDICTOR_CACHE_SIZE = 2;

export class UserError extends Error {}

function planTrialsCount(sweep: Sweep): number {
  try {
    return planTrials(sweep).length;
  } catch {
    return sweep.trials ?? 0;
  }
}

const safeFileName = (name: string): string => name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';

/**
 * The services behind the workbench API, shared by the Electron main process and the web host: every request
 * arrives here as (method, untrusted params), is validated, and answers with an envelope.
 */
export class WorkbenchService {
  private readonly supervisor: RunSupervisor;
  private readonly factory: TrainerProcessFactory;
  private readonly info: HostInfo;
  private readonly hooks: WorkbenchHostHooks;
  private readonly listeners = new Set<(event: WorkbenchEvent) => void>();
  private readonly predictors = new Map<string, Promise<TrainerProcess>>();
  private readonly inputSizes = new Map<string, number>();
  private readonly datasets = new DatasetCache();
  private gradientCheck: TrainerProcess | undefined;
  private readonly onnxModels = new Map<string, { summary: ImportedOnnxModel; classifier: OnnxClassifier }>();
  private nextOnnxModel = 1;
  private readonly sweeps: SweepRunner;
  private readonly activeSweeps = new Map<string, AbortController>();

  constructor(options: WorkbenchServiceOptions) {
    this.supervisor = options.supervisor;
    this.factory = options.trainerFactory;
    this.info = options.info;
    this.hooks = options.hooks ?? {};
    this.sweeps = new SweepRunner(this.supervisor);
    this.supervisor.subscribe((event) => {
      const mapped = this.mapEvent(event);
      if (mapped) this.emit(mapped);
    });
  }

  subscribe(listener: (event: WorkbenchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: WorkbenchEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Validates and serves one request. Never throws: failures come back as `{ ok: false, error }`. */
  async handle(method: string, params: unknown): Promise<ApiEnvelope> {
    if (!Object.hasOwn(apiRequestSchemas, method)) return { ok: false, error: `unknown method "${method}"` };
    const name = method as ApiMethod;
    const parsed = apiRequestSchemas[name].safeParse(params ?? {});
    if (!parsed.success) return { ok: false, error: `${method}: ${describeIssues(parsed.error)}` };
    try {
      const value = await this.serve(name, parsed.data as ApiParsedParams<typeof name>);
      return { ok: true, value };
    } catch (error) {
      if (error instanceof ConfigError) return { ok: false, error: error.message, issues: error.issues };
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Marks runs a previous session left active as interrupted; call once before serving. */
  async start(): Promise<void> {
    await this.supervisor.recoverInterrupted();
  }

  /** Ends the helper processes (predictors, a running gradient check); runs are the supervisor's. */
  async shutdown(): Promise<void> {
    // Sweeps are not cancelled: their runs become interrupted and the sweep resumes after a restart.
    this.gradientCheck?.kill();
    for (const pending of this.predictors.values()) void pending.then((p) => p.kill(), () => undefined);
    this.predictors.clear();
    for (const { classifier } of this.onnxModels.values()) void classifier.release();
    this.onnxModels.clear();
    await this.supervisor.shutdown();
  }

  private async serve<M extends ApiMethod>(method: M, params: ApiParsedParams<M>): Promise<ApiResult<M>> {
    // Each case narrows by hand: TypeScript does not correlate `method` with `params` across a switch.
    const p = params as Record<string, unknown>;
    const id = p.id as string;
    const store = this.supervisor.store;
    const result = async (): Promise<unknown> => {
      switch (method) {
        case 'info':
          return this.info;
        case 'listRuns':
          return store.list();
        case 'runMetrics':
          return this.metrics(id);
        case 'startRun': {
          const config = parseTrainConfig(p.config, 'config');
          return this.supervisor.enqueue(config, p.name ? { name: p.name as string } : {});
        }
        case 'pauseRun':
          this.supervisor.pause(id);
          return null;
        case 'resumeRun':
          this.supervisor.resume(id);
          return null;
        case 'stopRun':
          await this.supervisor.stop(id);
          return null;
        case 'continueRun':
          return this.supervisor.resumeRun(id);
        case 'renameRun': {
          const record = await store.rename(id, p.name as string);
          this.emit({ type: 'run', record });
          return record;
        }
        case 'deleteRun':
          if (this.supervisor.activeRunIds.includes(id) || this.supervisor.queuedRunIds.includes(id)) {
            throw new UserError(`run ${id} is still active: stop it before deleting it`);
          }
          await this.dropPredictor(id);
          await store.delete(id);
          this.emit({ type: 'runDeleted', id });
          return null;
        case 'openRunFolder': {
          await store.get(id);
          const path = store.directory(id);
          const opened = this.hooks.openFolder ? await this.hooks.openFolder(path) : false;
          return { path, opened };
        }
        case 'predict':
          return this.predict(id, p.pixels as number[]);
        case 'firstLayerWeights':
          return this.firstLayerWeights(id, p.units as number);
        case 'testImages':
          return this.testImages(p.dataset as DatasetConfig, p.offset as number, p.count as number);
        case 'gradientCheck':
          return this.runGradientCheck(parseTrainConfig(p.config, 'config'), p.samples as number);
        case 'layerGraph':
          return this.layerGraph(parseTrainConfig(p.config, 'config'), p.batchSize as number);
        case 'cancelGradientCheck':
          this.gradientCheck?.kill();
          return null;
        case 'exportOnnx':
          return this.exportOnnx(id);
        case 'onnxFile': {
          const record = await store.get(id);
          const bytes = await readFile(join(store.directory(id), ONNX_FILE)).catch(() => {
            throw new UserError(`run "${record.name}" has no validated ONNX export yet: export it first`);
          });
          return { fileName: `${safeFileName(record.name)}.onnx`, base64: bytes.toString('base64') };
        }
        case 'importOnnx':
          return this.importOnnx(p.fileName as string, p.base64 as string);
        case 'listOnnxModels':
          return [...this.onnxModels.values()].map((m) => m.summary);
        case 'removeOnnxModel': {
          const entry = this.onnxModels.get(p.modelId as string);
          this.onnxModels.delete(p.modelId as string);
          await entry?.classifier.release();
          return null;
        }
        case 'predictOnnx': {
          const entry = this.onnxModels.get(p.modelId as string);
          if (!entry) throw new UserError('that ONNX model is no longer loaded: import it again');
          const pixels = p.pixels as number[];
          if (pixels.length !== entry.summary.inputSize) throw new UserError(`predict: ${pixels.length} pixels given, ${entry.summary.fileName} takes ${entry.summary.inputSize}`);
          return { probabilities: Array.from(await entry.classifier.probabilities(Float32Array.from(pixels), 1)) };
        }
        case 'sweepPresets':
          return this.sweepPresets();
        case 'listSweeps':
          return this.listSweeps();
        case 'startSweep': {
          const parsed = sweepSchema.safeParse(p.sweep);
          if (!parsed.success) {
            throw new ConfigError(parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(root)', message: i.message })), 'sweep');
          }
          const sweepId = await this.sweeps.prepare(parsed.data);
          this.runSweep(sweepId, () => this.sweeps.run(sweepId, parsed.data, { signal: this.activeSweeps.get(sweepId)!.signal }));
          return { id: sweepId };
        }
        case 'cancelSweep': {
          const controller = this.activeSweeps.get(p.id as string);
          if (!controller) throw new UserError(`sweep ${p.id as string} is not running`);
          controller.abort();
          return null;
        }
        case 'resumeSweep': {
          const sweepId = p.id as string;
          if (this.activeSweeps.has(sweepId)) throw new UserError(`sweep ${sweepId} is already running`);
          await this.sweeps.definition(sweepId);
          this.runSweep(sweepId, () => this.sweeps.resume(sweepId, { signal: this.activeSweeps.get(sweepId)!.signal }));
          return { id: sweepId };
        }
        case 'promoteTrial': {
          const record = await store.get(id);
          const { trainSubset: _subset, validationFraction: _fraction, ...training } = record.config.training;
          const config = parseTrainConfig({ ...record.config, name: `${record.sweep?.name ?? record.name} — promoted #${(record.sweep?.trial ?? 0) + 1}`, training }, 'promoted config');
          return this.supervisor.enqueue(config, { name: config.name! });
        }
        case 'openConfigFile':
          return this.openConfigFile();
        case 'saveConfigFile': {
          if (!this.hooks.saveConfigDialog) throw new UserError('saving through a dialog is a desktop feature: the browser downloads the file instead');
          const config = parseTrainConfig(p.config, 'config');
          const path = await this.hooks.saveConfigDialog((p.suggestedName as string | undefined) ?? 'network.json', `${JSON.stringify(config, null, 2)}\n`);
          return path ? { path } : null;
        }
      }
    };
    return (await result()) as ApiResult<M>;
  }

  private async metrics(id: string): Promise<RunMetrics> {
    const lines = await this.supervisor.store.readMetrics(id);
    const losses: Array<number | null> = [];
    const evaluations: EvaluationPoint[] = [];
    for (const line of lines) {
      if (line.type === 'losses') {
        for (const [i, value] of line.values.entries()) losses[line.start + i] = value;
      } else {
        const { type: _type, ...point } = line;
        evaluations.push(point);
      }
    }
    // A resumed run rewrites from its checkpoint: holes can only come from a torn line; show them as gaps.
    for (let i = 0; i < losses.length; i++) if (losses[i] === undefined) losses[i] = null;
    return { losses, evaluations };
  }

  /** A trainer process holding the run's network: the live one while it trains, else its checkpoint loaded. */
  private async predictorFor(id: string): Promise<TrainerProcess> {
    const live = this.supervisor.processOf(id);
    if (live) return live;
    const cached = this.predictors.get(id);
    if (cached) return cached;
    const record = await this.supervisor.store.get(id);
    if (!(await this.supervisor.store.hasCheckpoint(id))) throw new UserError(`run "${record.name}" has no saved weights yet`);
    const loading = new Promise<TrainerProcess>((resolve, reject) => {
      const process = this.factory();
      process.onEvent((event) => {
        if (event.type === 'loaded') resolve(process);
        else if (event.type === 'failed') reject(new Error(`could not load run "${record.name}": ${event.reason}`));
      });
      process.onExit(() => {
        reject(new Error(`the process holding run "${record.name}" ended`));
        if (this.predictors.get(id) === loading) this.predictors.delete(id);
      });
      process.send({ type: 'load', config: record.config, directory: this.supervisor.store.directory(id) });
    });
    this.predictors.set(id, loading);
    loading.catch(() => this.predictors.delete(id));
    while (this.predictors.size > PREDICTOR_CACHE_SIZE) {
      const oldest = this.predictors.keys().next().value as string;
      await this.dropPredictor(oldest);
    }
    return loading;
  }

  private async dropPredictor(id: string): Promise<void> {
    const pending = this.predictors.get(id);
    this.predictors.delete(id);
    if (pending) await pending.then((p) => p.kill(), () => undefined);
  }

  private async predict(id: string, pixels: number[]): Promise<ApiResult<'predict'>> {
    // The Draw view predicts while the user draws: a run's config never changes, so read it once.
    let inputs = this.inputSizes.get(id);
    if (inputs === undefined) {
      inputs = (await this.supervisor.store.get(id)).config.network.inputSize;
      this.inputSizes.set(id, inputs);
    }
    if (pixels.length !== inputs) throw new UserError(`predict: ${pixels.length} pixels given, run ${id} takes ${inputs}`);
    const process = await this.predictorFor(id);
    const reply = await requestFromTrainer(process, { type: 'predict', images: Float32Array.from(pixels), rows: 1 }, 'prediction', 30_000);
    return { probabilities: Array.from(reply.probabilities) };
  }

  private async firstLayerWeights(id: string, units: number): Promise<WeightTiles> {
    const live = this.supervisor.processOf(id);
    let shape: readonly number[];
    let values: ArrayLike<number>;
    let iteration: number | null = null;
    if (live) {
      const reply = await requestFromTrainer(live, { type: 'exportWeights' }, 'weights', 10_000);
      const w1 = reply.tensors.find((t) => t.name === 'W1');
      if (!w1) throw new UserError('the network has no first-layer weights');
      shape = w1.shape;
      values = w1.data;
    } else {
      const checkpoint = await this.supervisor.store.readCheckpoint(id);
      const w1 = checkpoint?.tensors.W1;
      if (!checkpoint || !w1) throw new UserError(`run ${id} has no saved weights yet`);
      shape = w1.shape;
      values = w1.data;
      iteration = typeof checkpoint.meta.iteration === 'number' ? checkpoint.meta.iteration : null;
    }
    const [inputSize = 0, hidden = 0] = shape;
    const count = Math.min(units, hidden, MAX_WEIGHT_TILES);
    // W1 is inputSize x hidden; a tile is one column (the weights into one hidden unit).
    const data = new Array<number>(count * inputSize);
    for (let u = 0; u < count; u++) for (let i = 0; i < inputSize; i++) data[u * inputSize + i] = values[i * hidden + u]!;
    return { data, units: count, inputSize, iteration };
  }

  private dataset(config: DatasetConfig): Promise<Dataset> {
    return this.datasets.get(config);
  }

  private async testImages(config: DatasetConfig, offset: number, count: number): Promise<ApiResult<'testImages'>> {
    const { test } = await this.dataset(config);
    if (offset >= test.count) throw new UserError(`the test set has ${test.count} images; offset ${offset} is past its end`);
    const size = test.rows * test.cols;
    const images = [];
    for (let index = offset; index < Math.min(offset + count, test.count); index++) {
      images.push({ index, label: test.labels[index]!, pixels: Array.from(test.images.subarray(index * size, (index + 1) * size)), rows: test.rows, cols: test.cols });
    }
    return images;
  }

  /** In a short-lived trainer process: building a big network must not stall the host. */
  private async layerGraph(config: TrainConfig, batchSize: number): Promise<ApiResult<'layerGraph'>> {
    const process = this.factory();
    try {
      return (await requestFromTrainer(process, { type: 'layerGraph', config, batchSize }, 'layerGraph', 120_000)).trace;
    } finally {
      process.kill();
    }
  }

  private async runGradientCheck(config: TrainConfig, samples: number): Promise<ApiResult<'gradientCheck'>> {
    if (this.gradientCheck) throw new UserError('a gradient check is already running');
    const process = this.factory();
    this.gradientCheck = process;
    const started = performance.now();
    try {
      const reply = await requestFromTrainer(process, { type: 'gradientCheck', config, samples }, 'gradientCheck', 0);
      return { differences: reply.differences, bound: reply.bound, seconds: (performance.now() - started) / 1000 };
    } catch (error) {
      throw new UserError(/stopped|SIGTERM|code null/.test((error as Error).message) ? 'gradient check cancelled' : (error as Error).message);
    } finally {
      this.gradientCheck = undefined;
      process.kill();
    }
  }

  private async exportOnnx(id: string): Promise<ApiResult<'exportOnnx'>> {
    const store = this.supervisor.store;
    const record = await store.get(id);
    if (!['completed', 'stopped'].includes(record.status)) throw new UserError(`run "${record.name}" is ${record.status}: only completed or stopped runs export`);
    const process = await this.predictorFor(id);
    const reply = await requestFromTrainer(process, { type: 'exportOnnx', runId: id, runName: record.name, appVersion: this.info.versions.app }, 'onnxExport', 300_000);
    const { report } = reply;
    // A model that failed validation is not kept as the run's export: only its report, which says why.
    const modelPath = report.passed ? await store.writeRunFile(id, ONNX_FILE, reply.model) : null;
    this.emit({ type: 'run', record: await store.update(id, { onnx: report }) });
    const savedTo = report.passed && this.hooks.saveModelDialog ? await this.hooks.saveModelDialog(`${safeFileName(record.name)}.onnx`, reply.model) : null;
    return { report, modelPath, savedTo };
  }

  private async importOnnx(fileName: string, base64: string): Promise<ImportedOnnxModel> {
    const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
    const classifier = await OnnxClassifier.load(bytes, fileName);
    const { info } = classifier;
    let report = null;
    if (info.inputSize === 784) {
      const { test } = await this.dataset({ kind: 'mnist' });
      report = await validateOnnxModel(bytes, fileName, test, undefined);
    }
    const summary: ImportedOnnxModel = {
      modelId: `onnx-${this.nextOnnxModel++}`,
      fileName,
      inputSize: info.inputSize,
      classes: info.classes,
      operators: info.operators,
      producer: info.producer,
      metadata: info.metadata,
      report,
    };
    this.onnxModels.set(summary.modelId, { summary, classifier });
    return summary;
  }

  /** Starts a sweep in the background; the UI follows its trials through the runs' events. */
  private runSweep(id: string, run: () => Promise<unknown>): void {
    this.activeSweeps.set(id, new AbortController());
    this.emit({ type: 'sweep', id, active: true });
    void run()
      .catch((error: unknown) => this.emit({ type: 'log', runId: '', level: 'error', message: `sweep ${id}: ${(error as Error).message}` }))
      .finally(() => {
        this.activeSweeps.delete(id);
        this.emit({ type: 'sweep', id, active: false });
      });
  }

  private async listSweeps(): Promise<ApiResult<'listSweeps'>> {
    const defs = await this.sweeps.list();
    return defs.map(({ id, sweep }) => ({ id, sweep, trials: planTrialsCount(sweep), active: this.activeSweeps.has(id) }));
  }

  private async sweepPresets(): Promise<ApiResult<'sweepPresets'>> {
    const dir = join(projectRoot(), 'resources', 'sweeps');
    const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
    const presets: ApiResult<'sweepPresets'> = [];
    for (const file of files) {
      const parsed = sweepSchema.safeParse(JSON.parse(await readFile(join(dir, file), 'utf8')));
      if (parsed.success) presets.push({ file, sweep: parsed.data });
    }
    return presets;
  }

  private async openConfigFile(): Promise<ApiResult<'openConfigFile'>> {
    if (!this.hooks.openConfigDialog) throw new UserError('opening through a dialog is a desktop feature: the browser uploads the file instead');
    const chosen = await this.hooks.openConfigDialog();
    if (!chosen) return null;
    let json: unknown;
    try {
      json = JSON.parse(chosen.text);
    } catch (error) {
      throw new UserError(`${chosen.path}: not JSON (${(error as Error).message})`);
    }
    return { path: chosen.path, config: parseTrainConfig(json, chosen.path) };
  }

  private mapEvent(event: SupervisorEvent): WorkbenchEvent | undefined {
    if (event.kind === 'status') return { type: 'run', record: event.record };
    const trainer = event.event;
    switch (trainer.type) {
      case 'progress':
        return {
          type: 'progress',
          runId: event.runId,
          start: trainer.start,
          iteration: trainer.iteration,
          total: trainer.total,
          losses: Array.from(trainer.losses, finiteOrNull),
          elapsedSeconds: trainer.elapsedSeconds,
        };
      case 'epoch':
        return { type: 'evaluation', runId: event.runId, point: storedEvaluation(trainer.record) };
      case 'log':
        return { type: 'log', runId: event.runId, level: trainer.level, message: trainer.message };
      default:
        return undefined;
    }
  }
}
