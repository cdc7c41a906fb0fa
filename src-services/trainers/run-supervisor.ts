import { availableParallelism } from 'node:os';
import type { TrainConfig } from '../../src-shared/config';
import { errorMessage } from '../../src-shared/error-message';
import { RESUMABLE_STATUSES, runSummary, type RunRecord, type RunStatus } from '../../src-shared/run-record';
import type { SweepTag } from '../../src-shared/sweep';
import type { TrainerEvent } from '../../src-shared/trainer-protocol';
import { processStartTime } from '../runs/process-identity';
import { RunLockedError } from '../runs/run-lock';
import type { RunClaim, RunStore } from '../runs/run-store';
import type { TrainerExit, TrainerProcess, TrainerProcessFactory } from './trainer-process';
import { notTrainingMessage, takeoverNote } from './supervisor-messages';
import { UnsavedRecords } from './unsaved-records';

export type SupervisorEvent =
  | { readonly runId: string; readonly kind: 'status'; readonly record: RunRecord }
  | { readonly runId: string; readonly kind: 'trainer'; readonly event: TrainerEvent };

interface ActiveRun {
  readonly process: TrainerProcess;
  readonly claim: RunClaim;
  record: RunRecord;
  bestTestAccuracy: number | null;
  finished: boolean;
  /** Serialises run.json writes so a late update can never overwrite a newer status. */
  writes: Promise<unknown>;
  /** A status of this run could not be saved (see setStatus). */
  unsaved: boolean;
}

interface QueuedRun {
  readonly id: string;
  readonly record: RunRecord;
  readonly resume: boolean;
  /** This process's lock of the run, held from the moment it is queued until its final record is saved. */
  readonly claim: RunClaim;
}

/**
 * Owns the queue of runs. Each run trains in its own trainer process; at most `concurrency` run at once.
 * A process that dies (killed, out of memory, addon fault) or a write that fails (a full disk) fails only its
 * own run, with the reason, and the queue goes on. A queued or training run is locked by this process (see
 * run-lock.ts): another process cannot train, continue, rename or delete it meanwhile, and this one refuses
 * to continue a run another process holds.
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
  /** Runs that ended while their final record could not be saved yet. */
  private readonly unsaved: UnsavedRecords;

  /** `cores` (default: this machine's) is divided among the `concurrency` trainers (default: one per core). */
  constructor(store: RunStore, factory: TrainerProcessFactory, options: { concurrency?: number; cores?: number } = {}) {
    this.store = store;
    this.factory = factory;
    const cores = options.cores ?? availableParallelism();
    this.concurrency = Math.max(1, options.concurrency ?? cores);
    // Each trainer's kernels would otherwise start a thread per core: N trainers, N^2 threads on N cores.
    this.threadsPerTrainer = Math.max(1, Math.floor(cores / this.concurrency));
    this.unsaved = new UnsavedRecords(store, (record) => this.emit({ runId: record.id, kind: 'status', record }));
  }

  subscribe(listener: (event: SupervisorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs left running/queued by a previous session that no live process trains are marked interrupted; a run
   * another live process holds (the CLI training it, another host) is left alone.
   */
  async recoverInterrupted(): Promise<void> {
    for (const listing of await this.store.list()) {
      if (listing.kind !== 'ok') continue;
      const { record } = listing;
      if (!['running', 'paused', 'queued'].includes(record.status) || this.active.has(record.id) || this.queue.some((q) => q.id === record.id)) continue;
      try {
        await this.store.update(record.id, { status: 'interrupted', reason: 'the app closed while this run was active; resume it to continue' });
      } catch (error) {
        if (!(error instanceof RunLockedError)) throw error;
      }
    }
  }

  async enqueue(config: TrainConfig, options: { name?: string; sweep?: SweepTag } = {}): Promise<RunRecord> {
    const { record, claim } = await this.store.createClaimed(config, options, 'train');
    this.queue.push({ id: record.id, record, resume: false, claim });
    this.emit({ runId: record.id, kind: 'status', record });
    this.pump();
    return record;
  }

  /**
   * Continues a stopped, interrupted or failed run from its last checkpoint. Refused, saying why, when another
   * process holds the run or its checkpoint cannot continue it (missing, damaged, not this network's).
   */
  async resumeRun(id: string): Promise<RunRecord> {
    if (this.active.has(id) || this.queue.some((q) => q.id === id)) throw new Error(`run ${id} is already active`);
    const claim = await this.store.claim(id, 'train');
    try {
      const record = await this.store.get(id);
      if (!RESUMABLE_STATUSES.includes(record.status)) throw new Error(`run ${id} is ${record.status}; only stopped, interrupted or failed runs resume`);
      if (record.resume?.possible === false) throw new Error(`run "${record.name}" cannot continue: ${record.resume.reason}`);
      const note = takeoverNote(id, claim.replaced);
      if (note) this.log(id, 'warn', note);
      const queued = await this.store.update(id, { status: 'queued', reason: undefined });
      this.queue.push({ id, record: queued, resume: true, claim });
      this.emit({ runId: id, kind: 'status', record: queued });
      this.pump();
      return queued;
    } catch (error) {
      await claim.release();
      throw error;
    }
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
      const [queued] = this.queue.splice(index, 1);
      try {
        const record = await this.store.update(id, { status: 'stopped', reason: 'stopped before it started' });
        this.emit({ runId: id, kind: 'status', record });
      } finally {
        await queued!.claim.release();
        this.notifyIdle();
      }
      return;
    }
    const run = this.active.get(id);
    if (run?.finished) throw new Error(`run ${id} is not training: it has just ended`);
    if (!run) throw new Error(await notTrainingMessage(this.store, id));
    run.process.send({ type: 'stop' });
  }

  /** Saves now the final records a full disk refused (they are saved on a timer too). */
  retryUnsaved(): Promise<void> {
    return this.unsaved.retry();
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

  /** Stops every trainer process (app quit): runs are marked interrupted, their checkpoints kept, their locks released. */
  async shutdown(): Promise<void> {
    for (const queued of this.queue.splice(0)) await queued.claim.release();
    const runs = [...this.active.entries()];
    for (const [, run] of runs) run.finished = true;
    for (const [id, run] of runs) {
      run.process.kill();
      await run.writes;
      await this.store.update(id, { status: 'interrupted', reason: 'the app closed while this run was active; resume it to continue' }).catch(() => undefined);
      await run.claim.release();
    }
    this.active.clear();
    await this.unsaved.close();
  }

  private requireActive(id: string): ActiveRun {
    const run = this.active.get(id);
    if (!run) throw new Error(`run ${id} is not training`);
    return run;
  }

  private log(runId: string, level: 'warn' | 'error', message: string): void {
    this.emit({ runId, kind: 'trainer', event: { type: 'log', level, message } });
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
    const run: ActiveRun = { process, claim: queued.claim, record, bestTestAccuracy: record.summary?.bestTestAccuracy ?? null, finished: false, writes: Promise.resolve(), unsaved: false };
    this.active.set(queued.id, run);
    process.onEvent((event) => this.onTrainerEvent(queued.id, run, event));
    process.onExit((exit) => this.onTrainerExit(queued.id, run, exit));
    process.send({ type: 'start', config: record.config, run: { directory: this.store.directory(queued.id), resume: queued.resume }, threads: this.threadsPerTrainer });
  }

  /**
   * Records a status change, after the run's earlier ones. A record the disk refuses is kept and served from
   * memory (so the run reads as it is, failed with the reason, not as the stale file says) and saved later.
   */
  private setStatus(id: string, run: ActiveRun, status: RunStatus, extra: Partial<RunRecord> = {}): void {
    run.writes = run.writes.then(async () => {
      try {
        run.record = await this.store.update(id, { status, ...extra }, { keepUnsaved: true });
      } catch (error) {
        this.log(id, 'error', `could not save run ${id}'s record (${errorMessage(error)}); kept in memory, saving again later`);
        run.record = await this.store.get(id);
        run.unsaved = true;
      }
      this.emit({ runId: id, kind: 'status', record: run.record });
    }).catch((error: unknown) => this.log(id, 'error', `could not update run ${id}: ${errorMessage(error)}`));
  }

  /** The trainer works for this process's lock: naming it there keeps the lock alive if this process dies first. */
  private nameHelper(id: string, run: ActiveRun): void {
    const pid = run.process.pid;
    if (pid === undefined) return;
    run.writes = run.writes
      .then(() => run.claim.setHelper({ pid, started: processStartTime(pid) }))
      .catch((error: unknown) => this.log(id, 'warn', `run ${id}: could not name its trainer process in run.lock: ${errorMessage(error)}`));
  }

  private onTrainerEvent(id: string, run: ActiveRun, event: TrainerEvent): void {
    this.emit({ runId: id, kind: 'trainer', event });
    switch (event.type) {
      case 'ready':
        this.nameHelper(id, run);
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
    void run.writes.then(async () => {
      this.active.delete(id);
      if (run.unsaved && this.store.hasUnsaved(id)) {
        this.unsaved.keep(id, run.claim);
      } else {
        await run.claim.release().catch(() => undefined);
      }
      this.pump();
    });
  }
}
