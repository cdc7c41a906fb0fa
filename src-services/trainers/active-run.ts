import { errorMessage } from '../../src-shared/error-message';
import { runSummary, storedEvaluation, type RunRecord, type RunStatus, type StoredEvaluation } from '../../src-shared/run-record';
import { STALL_RULE, stalledAtChance } from '../../src-shared/stalled';
import type { TrainerEvent } from '../../src-shared/trainer-protocol';
import { processStartTime } from '../runs/process-identity';
import type { RunClaim, RunStore } from '../runs/run-store';
import type { SupervisorEvent } from './run-supervisor';
import type { TrainerExit } from './trainer-process';
import type { TrainerLease } from './trainer-pool';
import { networkClasses } from '../../src-shared/network-config';

/** What an active run reports through: the store it writes, the supervisor's events and its log. */
export interface ActiveRunHost {
  readonly store: RunStore;
  emit(event: SupervisorEvent): void;
  log(level: 'warn' | 'error', message: string): void;
}

/**
 * One run whose trainer process is at work: it turns the trainer's events into the run's record (running,
 * paused, the best test accuracy, how it ended) and writes them in order.
 */
export class ActiveRun {
  readonly process: TrainerLease;
  readonly claim: RunClaim;
  record: RunRecord;
  bestTestAccuracy: number | null;
  /** The latest evaluations of this session, as many as the stall rule reads. */
  private readonly recentEvaluations: StoredEvaluation[] = [];
  /** Its trainer has built the run's network (it said 'ready'): it can answer for the network's weights. */
  ready = false;
  /** Finished (or failed): its process is on its way out and takes no more commands. */
  finished = false;
  /** Serialises run.json writes so a late update can never overwrite a newer status. */
  writes: Promise<unknown> = Promise.resolve();
  /** A status of this run could not be saved (see setStatus). */
  unsaved = false;
  /** The native kernel threads its trainer was last given. */
  threads: number;
  /** What its trainer needs (the engine's estimate), counted against the memory budget while it works. */
  readonly memoryBytes: number;

  constructor(
    readonly id: string,
    start: { process: TrainerLease; claim: RunClaim; record: RunRecord; threads: number; memoryBytes: number },
    private readonly host: ActiveRunHost,
  ) {
    this.process = start.process;
    this.claim = start.claim;
    this.record = start.record;
    this.threads = start.threads;
    this.memoryBytes = start.memoryBytes;
    this.bestTestAccuracy = start.record.summary?.bestTestAccuracy ?? null;
  }

  onTrainerEvent(event: TrainerEvent): void {
    this.host.emit({ runId: this.id, kind: 'trainer', event });
    switch (event.type) {
      case 'ready':
        this.ready = true;
        this.nameHelper();
        this.setStatus('running', { backend: event.backend, backendNote: event.warning, reason: undefined, stalled: undefined });
        break;
      case 'paused':
        this.setStatus('paused');
        break;
      case 'resumed':
        this.setStatus('running');
        break;
      case 'epoch':
        if (Number.isFinite(event.record.testAccuracy)) this.bestTestAccuracy = Math.max(this.bestTestAccuracy ?? 0, event.record.testAccuracy);
        this.recentEvaluations.push(storedEvaluation(event.record));
        if (this.recentEvaluations.length > STALL_RULE.evaluations) this.recentEvaluations.shift();
        break;
      case 'finished': {
        this.finished = true;
        const previousSeconds = this.record.summary?.seconds ?? 0;
        const { status } = event;
        const finished: Partial<RunRecord> = {
          finishedAt: new Date().toISOString(),
          ...(event.reason ? { reason: event.reason } : {}),
          // A continued run's time adds to what its earlier sessions took.
          summary: runSummary({ ...event, seconds: previousSeconds + event.seconds }, this.bestTestAccuracy),
        };
        this.setStatus(status, status === 'completed' || status === 'stopped' ? async () => ({ ...finished, ...(await this.stall()) }) : finished);
        // Its run ended cleanly: the process may train the next one (a failed one is ended, below).
        this.process.release();
        break;
      }
      case 'failed':
        this.finished = true;
        this.setStatus('failed', { reason: event.reason, finishedAt: new Date().toISOString() });
        this.process.kill();
        break;
      default:
        break;
    }
  }

  /** Its process ended: a run that had not finished fails with how the process ended. Resolves once its record is written. */
  exited(exit: TrainerExit): Promise<unknown> {
    if (!this.finished) {
      this.finished = true;
      const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
      this.setStatus('failed', { reason: `the trainer process ${how} before the run finished`, finishedAt: new Date().toISOString() });
    }
    return this.writes;
  }

  /**
   * Records a status change, after the run's earlier ones. A record the disk refuses is kept and served from
   * memory (so the run reads as it is, failed with the reason, not as the stale file says) and saved later.
   */
  private setStatus(status: RunStatus, extra: Partial<RunRecord> | (() => Promise<Partial<RunRecord>>) = {}): void {
    const { id, host } = this;
    this.writes = this.writes
      .then(async () => {
        try {
          const fields = typeof extra === 'function' ? await extra() : extra;
          this.record = await host.store.update(id, { status, ...fields }, { keepUnsaved: true });
        } catch (error) {
          host.log('error', `could not save run ${id}'s record (${errorMessage(error)}); kept in memory, saving again later`);
          this.record = await host.store.get(id);
          this.unsaved = true;
        }
        host.emit({ runId: id, kind: 'status', record: this.record });
      })
      .catch((error: unknown) => host.log('error', `could not update run ${id}: ${errorMessage(error)}`));
  }

  /**
   * Whether the run ended stuck at chance. A session too short for the rule (a run continued near its end)
   * is judged on the evaluations stored by its earlier sessions too.
   */
  private async stall(): Promise<Pick<RunRecord, 'stalled'>> {
    let evaluations: readonly StoredEvaluation[] = this.recentEvaluations;
    if (evaluations.length < STALL_RULE.evaluations) {
      evaluations = await this.host.store.metrics(this.id).then(
        (stored) => stored.evaluations,
        () => evaluations,
      );
    }
    const stalled = stalledAtChance(evaluations, networkClasses(this.record.config.network));
    return stalled ? { stalled } : {};
  }

  /** The trainer works for this process's lock: naming it there keeps the lock alive if this process dies first. */
  private nameHelper(): void {
    const pid = this.process.pid;
    if (pid === undefined) return;
    this.writes = this.writes
      .then(() => this.claim.setHelper({ pid, started: processStartTime(pid) }))
      .catch((error: unknown) => this.host.log('warn', `run ${this.id}: could not name its trainer process in run.lock: ${errorMessage(error)}`));
  }
}
