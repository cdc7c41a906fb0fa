import { availableParallelism } from 'node:os';
import type { TrainConfig } from '../../src-shared/config';
import { errorMessage } from '../../src-shared/error-message';
import { runSummary, type RunRecord, type RunStatus } from '../../src-shared/run-record';
import type { SweepTag } from '../../src-shared/sweep';
import type { TrainerEvent } from '../../src-shared/trainer-protocol';
import type { RunStore } from '../runs/run-store';
import type { TrainerExit, TrainerProcess, TrainerProcessFactory } from './trainer-process';

export type SupervisorEvent =
  | { readonly runId: string; readonly kind: 'status'; readonly record: RunRecord }
  | { readonly runId: string; readonly kind: 'trainer'; readonly event: TrainerEvent };

interface ActiveRun {
  readonly process: TrainerProcess;
  record: RunRecord;
  bestTestAccuracy: number | null;
  finished: boolean;
  /** Serialises run.json writes so a late update can never overwrite a newer status. */
  writes: Promise<unknown>;
}

interface QueuedRun {
  readonly id: string;
  readonly record: RunRecord;
  readonly resume: boolean;
}

/**
 * Owns the queue of runs. Each run trains in its own trainer process; at most `concurrency` run at once.
 * A process that dies (killed, out of memory, addon fault) fails only its own run, with the reason, and
 * the queue goes on.
 */
export class RunSupervisor {
  readonly store: RunStore;
  readonly concurrency: number;
  /** Native kernel threads per trainer process: the cores shared among the trainers that run at once. */
  readonly threadsPerTrainer: number;
  private readonly factory: TrainerProcessFactory;
  private readonly queue: QueuedRun[] = [];
  private readonly active = new Map<string, ActiveRun>();
  private readonly listeners = new Set<(event: SupervisorEvent) => void>();
  private readonly idleWaiters: Array<() => void> = [];

  /** `cores` (default: this machine's) is divided among the `concurrency` trainers (default: one per core). */
  constructor(store: RunStore, factory: TrainerProcessFactory, options: { concurrency?: number; cores?: number } = {}) {
    this.store = store;
    this.factory = factory;
    const cores = options.cores ?? availableParallelism();
    this.concurrency = Math.max(1, options.concurrency ?? cores);
    // Each trainer's kernels would otherwise start a thread per core: N trainers, N^2 threads on N cores.
    this.threadsPerTrainer = Math.max(1, Math.floor(cores / this.concurrency));
  }

  subscribe(listener: (event: SupervisorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs left running/queued by a previous app session cannot still be training: mark them interrupted. */
  async recoverInterrupted(): Promise<void> {
    for (const listing of await this.store.list()) {
      if (listing.kind !== 'ok') continue;
      const { record } = listing;
      if (['running', 'paused', 'queued'].includes(record.status) && !this.active.has(record.id)) {
        await this.store.update(record.id, { status: 'interrupted', reason: 'the app closed while this run was active; resume it to continue' });
      }
    }
  }

  async enqueue(config: TrainConfig, options: { name?: string; sweep?: SweepTag } = {}): Promise<RunRecord> {
    const record = await this.store.create(config, options);
    this.queue.push({ id: record.id, record, resume: false });
    this.emit({ runId: record.id, kind: 'status', record });
    this.pump();
    return record;
  }

  /** Continues a stopped, interrupted or failed run from its last checkpoint. */
  async resumeRun(id: string): Promise<RunRecord> {
    const record = await this.store.get(id);
    if (this.active.has(id) || this.queue.some((q) => q.id === id)) throw new Error(`run ${id} is already active`);
    if (!['stopped', 'interrupted', 'failed'].includes(record.status)) throw new Error(`run ${id} is ${record.status}; only stopped, interrupted or failed runs resume`);
    if (!(await this.store.readCheckpoint(id))) throw new Error(`run ${id} has no checkpoint to resume from`);
    const queued = await this.store.update(id, { status: 'queued', reason: undefined });
    this.queue.push({ id, record: queued, resume: true });
    this.emit({ runId: id, kind: 'status', record: queued });
    this.pump();
    return queued;
  }

  pause(id: string): void {
    this.requireActive(id).process.send({ type: 'pause' });
  }

  resume(id: string): void {
    this.requireActive(id).process.send({ type: 'resume' });
  }

  async stop(id: string): Promise<void> {
    const index = this.queue.findIndex((q) => q.id === id);
    if (index >= 0) {
      this.queue.splice(index, 1);
      const record = await this.store.update(id, { status: 'stopped', reason: 'stopped before it started' });
      this.emit({ runId: id, kind: 'status', record });
      this.notifyIdle();
      return;
    }
    this.requireActive(id).process.send({ type: 'stop' });
  }

  /** The trainer process of an active run (for predictions and weight exports while it trains). */
  processOf(id: string): TrainerProcess | undefined {
    // A finished run's process is on its way out: callers read the run's files instead.
    const run = this.active.get(id);
    return run && !run.finished ? run.process : undefined;
  }

  get activeRunIds(): string[] {
    return [...this.active.keys()];
  }

  get queuedRunIds(): string[] {
    return this.queue.map((q) => q.id);
  }

  /** Resolves once nothing is queued or running. */
  whenIdle(): Promise<void> {
    if (this.active.size === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops every trainer process (app quit): runs are marked interrupted, their checkpoints kept. */
  async shutdown(): Promise<void> {
    this.queue.length = 0;
    const runs = [...this.active.entries()];
    for (const [, run] of runs) run.finished = true;
    for (const [id, run] of runs) {
      run.process.kill();
      await run.writes;
      await this.store.update(id, { status: 'interrupted', reason: 'the app closed while this run was active; resume it to continue' });
    }
    this.active.clear();
  }

  private requireActive(id: string): ActiveRun {
    const run = this.active.get(id);
    if (!run) throw new Error(`run ${id} is not training`);
    return run;
  }

  private emit(event: SupervisorEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private pump(): void {
    while (this.active.size < this.concurrency && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.launch(next);
    }
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.active.size === 0 && this.queue.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private launch(queued: QueuedRun): void {
    const process = this.factory();
    const { record } = queued;
    const run: ActiveRun = { process, record, bestTestAccuracy: record.summary?.bestTestAccuracy ?? null, finished: false, writes: Promise.resolve() };
    this.active.set(queued.id, run);
    process.onEvent((event) => this.onTrainerEvent(queued.id, run, event));
    process.onExit((exit) => this.onTrainerExit(queued.id, run, exit));
    process.send({ type: 'start', config: record.config, run: { directory: this.store.directory(queued.id), resume: queued.resume }, threads: this.threadsPerTrainer });
  }

  private setStatus(id: string, run: ActiveRun, status: RunStatus, extra: Partial<RunRecord> = {}): void {
    run.writes = run.writes.then(async () => {
      run.record = await this.store.update(id, { status, ...extra });
      this.emit({ runId: id, kind: 'status', record: run.record });
    }).catch((error: unknown) => {
      this.emit({ runId: id, kind: 'trainer', event: { type: 'log', level: 'error', message: `could not update run ${id}: ${errorMessage(error)}` } });
    });
  }

  private onTrainerEvent(id: string, run: ActiveRun, event: TrainerEvent): void {
    this.emit({ runId: id, kind: 'trainer', event });
    switch (event.type) {
      case 'ready':
        this.setStatus(id, run, 'running', { backend: event.backend, reason: undefined });
        break;
      case 'paused':
        this.setStatus(id, run, 'paused');
        break;
      case 'resumed':
        this.setStatus(id, run, 'running');
        break;
      case 'epoch':
        if (Number.isFinite(event.record.testAccuracy)) {
          run.bestTestAccuracy = Math.max(run.bestTestAccuracy ?? 0, event.record.testAccuracy);
        }
        break;
      case 'finished': {
        run.finished = true;
        const previousSeconds = run.record.summary?.seconds ?? 0;
        this.setStatus(id, run, event.status, {
          finishedAt: new Date().toISOString(),
          ...(event.reason ? { reason: event.reason } : {}),
          // A continued run's time adds to what its earlier sessions took.
          summary: runSummary({ ...event, seconds: previousSeconds + event.seconds }, run.bestTestAccuracy),
        });
        run.process.kill();
        break;
      }
      case 'failed':
        run.finished = true;
        this.setStatus(id, run, 'failed', { reason: event.reason, finishedAt: new Date().toISOString() });
        run.process.kill();
        break;
      default:
        break;
    }
  }

  private onTrainerExit(id: string, run: ActiveRun, exit: TrainerExit): void {
    if (!run.finished) {
      run.finished = true;
      const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
      this.setStatus(id, run, 'failed', { reason: `the trainer process ${how} before the run finished`, finishedAt: new Date().toISOString() });
    }
    void run.writes.then(() => {
      this.active.delete(id);
      this.pump();
    });
  }
}
