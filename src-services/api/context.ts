import type { HostInfo, ImportedOnnxModel, OnnxModelDescription, WorkbenchEvent } from '../../src-shared/api';
import type { MemoryBudget } from '../../src-shared/memory-budget';
import type { OnnxReport } from '../../src-shared/run-record';
import { DatasetCache } from '../data/dataset-source';
import { memoryBudget } from '../limits/memory-budget';
import type { OnnxClassifier } from '../onnx/validate-model';
import type { RunStore } from '../runs/run-store';
import { SweepRunner } from '../sweeps/sweep-runner';
import type { RunSupervisor } from '../trainers/run-supervisor';
import type { TrainerProcessFactory } from '../trainers/trainer-process';
import { UserError } from './errors';
import { HelperSlots } from './helper-slots';
import { PredictorPool } from './predictors';

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
  /** What one training (or helper) process may use; default this machine's (see memoryBudget). */
  readonly memoryBudget?: MemoryBudget;
  /** Helper processes at once and requests waiting for one (defaults HELPER_PROCESSES, HELPER_QUEUE). */
  readonly helperSlots?: { readonly limit: number; readonly queue: number };
}

/** One job of a kind at a time (the gradient check), which another request may cancel. */
export class ExclusiveJob {
  private controller: AbortController | undefined;

  /** Runs the job with a signal that cancel() aborts; refuses with `busy` while one is running. */
  async run<T>(busy: string, job: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.controller) throw new UserError(busy);
    const controller = new AbortController();
    this.controller = controller;
    try {
      return await job(controller.signal);
    } finally {
      this.controller = undefined;
    }
  }

  cancel(): void {
    this.controller?.abort();
  }
}

/** .onnx models the user imported for the Draw view, each held open by onnxruntime until removed. */
export class ImportedOnnxModels {
  private readonly models = new Map<string, { readonly summary: ImportedOnnxModel; readonly classifier: OnnxClassifier }>();
  private next = 1;

  add(fileName: string, description: OnnxModelDescription, report: OnnxReport | null, classifier: OnnxClassifier): ImportedOnnxModel {
    const summary: ImportedOnnxModel = {
      modelId: `onnx-${this.next++}`,
      fileName,
      inputSize: description.inputSize,
      classes: description.classes,
      operators: description.operators,
      producer: description.producer,
      metadata: description.metadata,
      report,
    };
    this.models.set(summary.modelId, { summary, classifier });
    return summary;
  }

  get(modelId: string): { readonly summary: ImportedOnnxModel; readonly classifier: OnnxClassifier } | undefined {
    return this.models.get(modelId);
  }

  list(): ImportedOnnxModel[] {
    return [...this.models.values()].map((m) => m.summary);
  }

  async remove(modelId: string): Promise<void> {
    const entry = this.models.get(modelId);
    this.models.delete(modelId);
    await entry?.classifier.release();
  }

  releaseAll(): void {
    for (const { classifier } of this.models.values()) void classifier.release();
    this.models.clear();
  }
}

/** The state every handler shares: the run queue, caches, helper processes, and the event stream. */
export interface ServiceContext {
  readonly supervisor: RunSupervisor;
  readonly store: RunStore;
  readonly trainerFactory: TrainerProcessFactory;
  readonly info: HostInfo;
  readonly hooks: WorkbenchHostHooks;
  readonly datasets: DatasetCache;
  readonly predictors: PredictorPool;
  readonly gradientCheck: ExclusiveJob;
  /** Caps the short-lived helper processes (traces, gradient checks). */
  readonly helpers: HelperSlots;
  /** Every network is checked against it before a process allocates it. */
  readonly memoryBudget: MemoryBudget;
  readonly onnxModels: ImportedOnnxModels;
  readonly sweeps: SweepRunner;
  /** Sweeps this host is running, by id, with what cancels each. */
  readonly activeSweeps: Map<string, AbortController>;
  emit(event: WorkbenchEvent): void;
}

export function createServiceContext(options: WorkbenchServiceOptions, emit: (event: WorkbenchEvent) => void): ServiceContext {
  const { supervisor, trainerFactory } = options;
  const budget = options.memoryBudget ?? memoryBudget();
  return {
    supervisor,
    store: supervisor.store,
    trainerFactory,
    info: options.info,
    hooks: options.hooks ?? {},
    datasets: new DatasetCache(),
    predictors: new PredictorPool(supervisor, trainerFactory, budget),
    gradientCheck: new ExclusiveJob(),
    helpers: new HelperSlots(options.helperSlots?.limit, options.helperSlots?.queue),
    memoryBudget: budget,
    onnxModels: new ImportedOnnxModels(),
    sweeps: new SweepRunner(supervisor, { budget }),
    activeSweeps: new Map(),
    emit,
  };
}
