import type { HostInfo, WorkbenchEvent } from '../../src-shared/api';
import { DatasetCache } from '../data/dataset-source';
import { ImportedOnnxModels } from '../onnx/imported-models';
import { OnnxRunner, type OnnxRunnerOptions } from '../onnx/onnx-runner';
import type { MemoryBudget } from '../../src-shared/memory-budget';
import { memoryBudget } from '../limits/memory-budget';
import type { RunStore } from '../runs/run-store';
import { QueueSweep } from '../queue/queue-sweep';
import type { RedisTarget } from '../queue/redis-url';
import { SweepRunner } from '../sweeps/sweep-runner';
import type { RunSupervisor } from '../trainers/run-supervisor';
import type { TrainerProcessFactory } from '../trainers/trainer-process';
import { UserError } from './errors';
import { HelperSlots } from './helper-slots';
import { ConfusionCache } from './inspect';
import { PredictorPool } from './predictors';

/** What differs between hosts: the desktop opens folders and dialogs natively; the web host cannot. */
interface WorkbenchHostHooks {
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
  /** The ONNX runner process that imported models live in (its entry, limits and timer for tests). */
  readonly onnx?: OnnxRunnerOptions;
  /** What one training (or helper) process may use; default this machine's (see memoryBudget). */
  readonly memoryBudget?: MemoryBudget;
  /** Helper processes at once and requests waiting for one (defaults HELPER_PROCESSES, HELPER_QUEUE). */
  readonly helperSlots?: { readonly limit: number; readonly queue: number };
  /** A job queue sweeps may run on (`--queue URL`); without one, every sweep trains here. */
  readonly sweepQueue?: RedisTarget;
}

/** One job of a kind at a time (the gradient check), which another request may cancel. */
class ExclusiveJob {
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

/** The state every handler shares: the run queue, caches, helper processes, and the event stream. */
export interface ServiceContext {
  readonly supervisor: RunSupervisor;
  readonly store: RunStore;
  readonly trainerFactory: TrainerProcessFactory;
  readonly info: HostInfo;
  readonly hooks: WorkbenchHostHooks;
  readonly datasets: DatasetCache;
  readonly predictors: PredictorPool;
  /** Confusion matrices computed, by run and checkpoint version. */
  readonly confusions: ConfusionCache;
  readonly gradientCheck: ExclusiveJob;
  /** Caps the short-lived helper processes (traces, gradient checks). */
  readonly helpers: HelperSlots;
  /** Every network is checked against it before a process allocates it. */
  readonly memoryBudget: MemoryBudget;
  readonly onnxModels: ImportedOnnxModels;
  readonly sweeps: SweepRunner;
  /** The job queue sweeps may run on, when the host was given one. */
  readonly sweepQueue: QueueSweep | undefined;
  /** Sweeps this host is running, by id, with what cancels each. */
  readonly activeSweeps: Map<string, AbortController>;
  emit(event: WorkbenchEvent): void;
}

export function createServiceContext(options: WorkbenchServiceOptions, emit: (event: WorkbenchEvent) => void): ServiceContext {
  const { supervisor, trainerFactory } = options;
  const budget = options.memoryBudget ?? memoryBudget();
  const sweeps = new SweepRunner(supervisor, { budget });
  return {
    supervisor,
    store: supervisor.store,
    trainerFactory,
    info: options.info,
    hooks: options.hooks ?? {},
    datasets: new DatasetCache(),
    predictors: new PredictorPool(supervisor, trainerFactory, budget),
    confusions: new ConfusionCache(),
    gradientCheck: new ExclusiveJob(),
    helpers: new HelperSlots(options.helperSlots?.limit, options.helperSlots?.queue),
    memoryBudget: budget,
    onnxModels: new ImportedOnnxModels(new OnnxRunner(options.onnx)),
    sweeps,
    sweepQueue: options.sweepQueue ? new QueueSweep(sweeps, supervisor.store, options.sweepQueue) : undefined,
    activeSweeps: new Map(),
    emit,
  };
}
