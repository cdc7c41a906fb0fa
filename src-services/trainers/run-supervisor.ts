import { availableParallelism } from 'node:os';
import { estimateTrainingMemory } from '../../src-engine/networks/memory-estimate';
import type { RunQueueState } from '../../src-shared/api';
import type { TrainConfig } from '../../src-shared/config';
import { RESUMABLE_STATUSES, type RunRecord } from '../../src-shared/run-record';
import type { SweepTag } from '../../src-shared/sweep';
import type { TrainerEvent } from '../../src-shared/trainer-protocol';
import { RunLockedError } from '../runs/run-lock';
import { memoryBudget } from '../limits/memory-budget';
import { ActiveRun } from './active-run';
import { fitsBeside, threadShare } from './admission';
import type { RunClaim, RunStore } from '../runs/run-store';
import type { TrainerExit, TrainerProcess, TrainerProcessFactory } from './trainer-process';
import { TRAINER_IDLE_MS, TrainerPool } from './trainer-pool';
import { notTrainingMessage, takeoverNote } from './supervisor-messages';
import { UnsavedRecords } from './unsaved-records';

export type SupervisorEvent =
  | { readonly runId: string; readonly kind: 'status'; readonly record: RunRecord }
  | { readonly runId: string; readonly kind: 'trainer'; readonly event: TrainerEvent };

interface QueuedRun {
  readonly id: string;
  readonly record: RunRecord;
  readonly resume: boolean;
  /** This process's lock of the run, held from the moment it is queued until its final record is saved. */
  readonly claim: RunClaim;
  readonly memoryBytes: number;
}

/**
 * Owns the queue of runs. Each run trains in a trainer process of its own while it trains (one that ended
 * cleanly may train later runs, see TrainerPool); at most `concurrency` run at once.
 * A process that dies (killed, out of memory, addon fault) or a write that fails (a full disk) fails only its
 * own run, with the reason, and the queue goes on. A queued or training run is locked by this process (see
 * run-lock.ts): another process cannot train, continue, rename or delete it meanwhile, and this one refuses
 * to continue a run another process holds.
 */
export class RunSupervisor {
  readonly store: RunStore;
  readonly concurrency: number;
  /** The cores the trainers at work share: each gets floor(cores / trainers at work), at least 1. */
  private readonly cores: number;
  /** The memory the trainers at work may need together (default: this machine's budget, see memoryBudget). */
  private readonly memoryBudgetBytes: number;
  /** Queued runs already told they wait for memory (told once). */
  private readonly waitingForMemory = new Set<string>();
  private readonly trainers: TrainerPool;
  private readonly queue: QueuedRun[] = [];
  private readonly active = new Map<string, ActiveRun>();
  private readonly listeners = new Set<(event: SupervisorEvent) => void>();
  private readonly queueListeners = new Set<(state: RunQueueState) => void>();
  /** The queue state last reported, to report only changes. */
  private reportedQueue = '';
  private readonly idleWaiters: Array<() => void> = [];
  /** Runs that ended while their final record could not be saved yet. */
  private readonly unsaved: UnsavedRecords;

  /**
   * `cores` (default: this machine's) are shared by the trainers at work, at most `concurrency` (default: one per
   * core). `reuseTrainers`: a trainer process whose run ended cleanly trains later runs (at most `concurrency`
   * wait warm); by default every run gets a fresh process.
   */
  constructor(store: RunStore, factory: TrainerProcessFactory, options: { concurrency?: number; cores?: number; memoryBudgetBytes?: number; reuseTrainers?: boolean } = {}) {
    this.store = store;
    this.cores = Math.max(1, options.cores ?? availableParallelism());
    this.concurrency = Math.max(1, options.concurrency ?? this.cores);
    this.memoryBudgetBytes = options.memoryBudgetBytes ?? memoryBudget().bytes;
    this.trainers = new TrainerPool(factory, { keep: options.reuseTrainers ? this.concurrency : 0, idleMs: TRAINER_IDLE_MS });
    this.unsaved = new UnsavedRecords(store, (record) => this.emit({ runId: record.id, kind: 'status', record }));
  }

  subscribe(listener: (event: SupervisorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called whenever the queue's state changes (a run queued, started, ended, or left the queue). */
  onQueueChange(listener: (state: RunQueueState) => void): () => void {
    this.queueListeners.add(listener);
    return () => this.queueListeners.delete(listener);
  }

  /**
   * The queue in the order runs start, and why each waits. The head waits for a slot when every one is held,
   * else for memory (pump started it otherwise); the others wait for the runs ahead of them.
   */
  queueState(): RunQueueState {
    const slotsFull = this.active.size >= this.concurrency;
    return {
      concurrency: this.concurrency,
      training: this.active.size,
      memoryBudgetBytes: this.memoryBudgetBytes,
      queued: this.queue.map((q, i) => ({ runId: q.id, position: i + 1, waitingFor: i > 0 ? 'ahead' : slotsFull ? 'slot' : 'memory', memoryBytes: q.memoryBytes })),
    };
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
    this.queue.push({ id: record.id, record, resume: false, claim, memoryBytes: estimateTrainingMemory(config).bytes });
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
      this.queue.push({ id, record: queued, resume: true, claim, memoryBytes: estimateTrainingMemory(record.config).bytes });
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
        this.waitingForMemory.delete(id);
        await queued!.claim.release();
        // The run behind it may start now (it may fit where this one did not).
        this.pump();
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

  /** The trainer process of an active run once it has built the run's network, else undefined. */
  readyProcessOf(id: string): TrainerProcess | undefined {
    const run = this.active.get(id);
    return run && !run.finished && run.ready ? run.process : undefined;
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
    this.reportQueue();
    this.trainers.close();
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

  /** Starts queued runs in order while a slot is free and the next one fits in memory beside those at work. */
  private pump(): void {
    const memory = this.working().map((run) => run.memoryBytes);
    const starting: QueuedRun[] = [];
    while (this.active.size + starting.length < this.concurrency && this.queue.length > 0) {
      const next = this.queue[0]!;
      if (!fitsBeside(memory, next.memoryBytes, this.memoryBudgetBytes)) {
        this.sayWaitingForMemory(next);
        break;
      }
      memory.push(next.memoryBytes);
      starting.push(this.queue.shift()!);
    }
    const threads = threadShare(this.cores, this.working().length + starting.length);
    for (const next of starting) {
      this.waitingForMemory.delete(next.id);
      this.launch(next, threads);
    }
    this.shareThreads();
    this.reportQueue();
    this.notifyIdle();
  }

  private reportQueue(): void {
    const state = this.queueState();
    const key = JSON.stringify(state);
    if (key === this.reportedQueue) return;
    this.reportedQueue = key;
    for (const listener of this.queueListeners) listener(state);
  }

  private sayWaitingForMemory(next: QueuedRun): void {
    if (this.waitingForMemory.has(next.id)) return;
    this.waitingForMemory.add(next.id);
    const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(1)} GB`;
    this.log(next.id, 'warn', `run ${next.id} waits for memory: it needs about ${gb(next.memoryBytes)} beside the runs training now, over the ${gb(this.memoryBudgetBytes)} budget; it starts when one of them ends`);
  }

  /** Trainers at work: launched and not finished (a finished one is on its way out). */
  private working(): ActiveRun[] {
    return [...this.active.values()].filter((run) => !run.finished);
  }

  /**
   * Each trainer's kernels would otherwise start a thread per core (N trainers, N^2 threads on N cores); a fixed
   * share of cores / concurrency would leave a lone run on one thread. So the cores are shared among the
   * trainers at work, and every trainer is told its new share whenever that number changes.
   */
  private shareThreads(): void {
    const threads = threadShare(this.cores, this.working().length);
    for (const run of this.active.values()) {
      if (run.finished || run.threads === threads) continue;
      run.threads = threads;
      run.process.send({ type: 'threads', threads });
    }
  }

  private notifyIdle(): void {
    if (this.active.size === 0 && this.queue.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private launch(queued: QueuedRun, threads: number): void {
    const process = this.trainers.lease();
    const run = new ActiveRun(queued.id, { process, claim: queued.claim, record: queued.record, threads, memoryBytes: queued.memoryBytes }, {
      store: this.store,
      emit: (event) => this.emit(event),
      log: (level, message) => this.log(queued.id, level, message),
    });
    this.active.set(queued.id, run);
    process.onEvent((event) => run.onTrainerEvent(event));
    process.onExit((exit) => this.onTrainerExit(queued.id, run, exit));
    process.send({ type: 'start', config: queued.record.config, run: { directory: this.store.directory(queued.id), resume: queued.resume }, threads });
  }

  private onTrainerExit(id: string, run: ActiveRun, exit: TrainerExit): void {
    void run.exited(exit).then(async () => {
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
