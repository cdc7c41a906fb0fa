import { randomBytes } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RUN_ID_PATTERN, type RunRecord, type RunStatus } from '../../src-shared/run-record';
import { sweepSchema, type StoredSweep, type Sweep } from '../../src-shared/sweep';
import { isDone, rankTrials } from '../../src-shared/sweep-progress';
import type { MemoryBudget } from '../../src-shared/memory-budget';
import { FileRefusal, MAX_CONFIG_FILE_BYTES, readBoundedText } from '../limits/bounded-file';
import { memoryBudget } from '../limits/memory-budget';
import { writeFileAtomic } from '../runs/run-files';
import type { RunSupervisor } from '../trainers/run-supervisor';
import { checkSweep } from './sweep-check';
import { planTrials, trialCount } from './sweep-plan';

const FINISHED: readonly RunStatus[] = ['completed', 'stopped', 'failed', 'diverged'];

export interface SweepResult {
  readonly id: string;
  readonly sweep: Sweep;
  /** The completed trials with a result, best validation accuracy first. */
  readonly ranked: readonly RunRecord[];
  /** The other trials run so far (stopped, failed, diverged...), in trial order: listed, not ranked. */
  readonly unranked: readonly RunRecord[];
  readonly seconds: number;
}

export interface SweepRunOptions {
  /** Called as each trial ends, whatever its status. */
  readonly onTrial?: (record: RunRecord, done: number, total: number) => void;
  /** Called as a trial starts training (its status becomes running). */
  readonly onTrialStart?: (record: RunRecord) => void;
  /** Stops every trial still queued or training. */
  readonly signal?: AbortSignal;
}

/**
 * Runs a sweep's trials through the supervisor (so in parallel trainer processes, as many as its
 * concurrency), each stored as a run tagged with the sweep. The definition is saved next to the runs, so an
 * interrupted sweep resumes: finished trials are kept, interrupted ones continue from their checkpoints.
 */
export class SweepRunner {
  private readonly supervisor: RunSupervisor;
  private readonly budget: MemoryBudget;

  /** `budget`: the memory every trial, and the trials training at once, must fit in (default: this host's). */
  constructor(supervisor: RunSupervisor, options: { budget?: MemoryBudget } = {}) {
    this.supervisor = supervisor;
    this.budget = options.budget ?? memoryBudget();
  }

  /** Trials of this sweep queued or training at once: its own concurrency, at most the supervisor's. */
  private concurrencyOf(sweep: Sweep): number {
    return Math.min(sweep.concurrency ?? this.supervisor.concurrency, this.supervisor.concurrency);
  }

  private definitionFile(id: string): string {
    if (!RUN_ID_PATTERN.test(id)) throw new Error(`invalid sweep id "${id}"`);
    return join(this.supervisor.store.root, `sweep-${id}.json`);
  }

  async start(sweep: Sweep, options: SweepRunOptions = {}): Promise<SweepResult> {
    return this.run(await this.prepare(sweep), sweep, options);
  }

  /**
   * Refuses a sweep of too many trials, an invalid trial config, a trial over the memory budget, or more
   * trials training at once than the budget holds (without holding the event loop: see checkSweep).
   * `concurrency`: the trials that train at once on one machine, when not this supervisor's (a queue's).
   */
  async check(sweep: Sweep, options: { concurrency?: number } = {}): Promise<void> {
    await checkSweep(sweep, { budget: this.budget, concurrency: options.concurrency ?? this.concurrencyOf(sweep) });
  }

  /** Checks the sweep (see check) and stores its definition; returns the new sweep's id. */
  async prepare(sweep: Sweep): Promise<string> {
    const id = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
    await this.check(sweep);
    await mkdir(this.supervisor.store.root, { recursive: true });
    const file = this.definitionFile(id);
    // A temporary name of its own and a rename: two sweeps prepared at once never share a temporary file.
    await writeFileAtomic(file, `${JSON.stringify(sweep, null, 2)}\n`);
    return id;
  }

  /** The stored sweep definitions, newest first; unreadable files are skipped. */
  async list(): Promise<StoredSweep[]> {
    let names: string[];
    try {
      names = await readdir(this.supervisor.store.root);
    } catch {
      return [];
    }
    const sweeps: StoredSweep[] = [];
    for (const name of names.filter((n) => /^sweep-.+\.json$/.test(n)).sort().reverse()) {
      const id = name.slice('sweep-'.length, -'.json'.length);
      try {
        const parsed = sweepSchema.safeParse(JSON.parse(await readBoundedText(this.definitionFile(id), MAX_CONFIG_FILE_BYTES)));
        if (parsed.success) sweeps.push({ id, sweep: parsed.data });
      } catch {
        // a torn or foreign file: not a sweep we can show
      }
    }
    return sweeps;
  }

  async definition(id: string): Promise<Sweep> {
    let text: string;
    try {
      text = await readBoundedText(this.definitionFile(id), MAX_CONFIG_FILE_BYTES);
    } catch (error) {
      if (error instanceof FileRefusal && error.code === 'ENOENT') throw new Error(`no sweep "${id}" in ${this.supervisor.store.root}`);
      throw error;
    }
    const parsed = sweepSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`${this.definitionFile(id)}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  async resume(id: string, options: SweepRunOptions = {}): Promise<SweepResult> {
    const sweep = await this.definition(id);
    // A stored definition meets the limits a new one does (this host's budget may be smaller than the one it was stored on).
    await this.check(sweep);
    return this.run(id, sweep, options);
  }

  async run(id: string, sweep: Sweep, options: SweepRunOptions = {}): Promise<SweepResult> {
    const started = performance.now();
    const total = trialCount(sweep);
    const { signal } = options;
    const existing = new Map<number, RunRecord>();
    for (const listing of await this.supervisor.store.list()) {
      if (listing.kind === 'ok' && listing.record.sweep?.id === id) existing.set(listing.record.sweep.trial, listing.record);
    }
    const records = new Map<string, RunRecord>();
    /** This sweep's trials queued or training. */
    const unfinished = new Set<string>();
    /** Trials ended, whatever their status (those done in an earlier session included). */
    let ended = 0;
    // Woken whenever a trial ends or the sweep is cancelled.
    let wake: () => void = () => undefined;
    const changed = (): void => wake();
    const waitUntil = async (test: () => boolean): Promise<void> => {
      while (!test()) await new Promise<void>((resolve) => (wake = resolve));
    };
    const unsubscribe = this.supervisor.subscribe((event) => {
      if (event.kind !== 'status' || !records.has(event.runId)) return;
      const before = records.get(event.runId)!;
      records.set(event.runId, event.record);
      if (event.record.status === 'running' && before.status !== 'running') options.onTrialStart?.(event.record);
      if (FINISHED.includes(event.record.status) && !FINISHED.includes(before.status)) {
        unfinished.delete(event.runId);
        ended++;
        options.onTrial?.(event.record, ended, total);
        changed();
      }
    });
    const stop = (runId: string): void => void this.supervisor.stop(runId).catch(() => undefined);
    const onAbort = (): void => {
      for (const runId of unfinished) stop(runId);
      changed();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    // At most `limit` of this sweep's trials queued or training at once; the next is planned and enqueued as
    // one ends, so a long sweep never fills the supervisor's queue.
    const limit = this.concurrencyOf(sweep);
    try {
      for (const planned of planTrials(sweep)) {
        const previous = existing.get(planned.trial);
        // Done in an earlier session: a diverged trial would diverge again (the same seed and config).
        if (previous && isDone(previous)) {
          records.set(previous.id, previous);
          ended++;
          options.onTrial?.(previous, ended, total);
          continue;
        }
        await waitUntil(() => unfinished.size < limit || signal?.aborted === true);
        if (signal?.aborted) break;
        let record: RunRecord | undefined;
        if (previous && ['stopped', 'interrupted', 'failed'].includes(previous.status) && (await this.supervisor.store.readCheckpoint(previous.id).catch(() => undefined))) {
          // A checkpoint that cannot continue the trial (damaged, another network's) is no reason to stop the sweep: it starts over.
          record = await this.supervisor.resumeRun(previous.id).catch(() => undefined);
        }
        if (!record) {
          if (previous) await this.supervisor.store.delete(previous.id);
          record = await this.supervisor.enqueue(planned.config, {
            name: planned.config.name ?? `${sweep.name} #${planned.trial + 1}`,
            sweep: { id, name: sweep.name, trial: planned.trial, parameters: planned.parameters },
          });
        }
        // The status events seen meanwhile are newer than the record the call returned.
        if (!records.has(record.id)) records.set(record.id, record);
        if (!FINISHED.includes(records.get(record.id)!.status)) unfinished.add(record.id);
        // Cancelled while it was being queued: the abort did not see it.
        if (signal?.aborted && unfinished.has(record.id)) stop(record.id);
      }
      // Every trial started ends (on a cancel, stopped with its checkpoint); other runs of the supervisor are not waited for.
      await waitUntil(() => unfinished.size === 0);
    } finally {
      unsubscribe();
      signal?.removeEventListener('abort', onAbort);
    }
    const final = await Promise.all([...records.keys()].map((runId) => this.supervisor.store.get(runId).catch(() => records.get(runId)!)));
    return { id, sweep, ...rankTrials(final), seconds: (performance.now() - started) / 1000 };
  }
}
