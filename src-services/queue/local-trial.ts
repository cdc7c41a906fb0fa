import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrialJob } from '../../src-shared/queue';
import { storedEvaluation, type RunRecord, type StoredEvaluation } from '../../src-shared/run-record';
import { decodeCheckpoint } from '../runs/checkpoint';
import { writeFileAtomic } from '../runs/run-files';
import { CHECKPOINT_FILE, METRICS_FILE } from '../runs/run-layout';
import type { RunSupervisor } from '../trainers/run-supervisor';
import { MAX_TRIAL_CHECKPOINT_BYTES, MAX_TRIAL_METRICS_BYTES } from '../../src-shared/queue';
import type { TrialFiles } from './trial-files';

const FINISHED = ['completed', 'stopped', 'failed', 'diverged'] as const;
export type FinishedStatus = (typeof FINISHED)[number];
const isFinished = (status: RunRecord['status']): status is FinishedStatus => (FINISHED as readonly string[]).includes(status);

/** What a trial in training tells its worker. */
export interface LocalTrialListener {
  /** An evaluation was recorded (and its checkpoint written). */
  evaluation(evaluation: StoredEvaluation): void;
  /** The trainer paused the run (its checkpoint written). */
  paused(): void;
}

/** Reads a file of a run folder, refusing one over `limit` bytes; undefined when it does not exist. */
async function readBounded(file: string, limit: number): Promise<Buffer | undefined> {
  const info = await stat(file).catch(() => undefined);
  if (!info) return undefined;
  if (info.size > limit) throw new Error(`${file} is ${info.size} bytes, over the ${limit} a worker sends`);
  const handle = await open(file, 'r');
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * One trial trained by a worker in its own scratch run store, through its RunSupervisor (so in the project's
 * own trainer processes, kept warm from trial to trial). It starts from the checkpoint an earlier worker
 * sent when there is one (and that checkpoint can continue it), else from scratch.
 */
export class LocalTrial {
  private constructor(
    private readonly supervisor: RunSupervisor,
    readonly runId: string,
    /** The iteration it continues from, or null for a fresh start. */
    readonly resumedFrom: number | null,
  ) {}

  static async begin(supervisor: RunSupervisor, job: TrialJob, previous: TrialFiles | undefined): Promise<LocalTrial> {
    const { store } = supervisor;
    if (previous?.checkpoint) {
      const created = await store.create(job.config, { name: job.name, sweep: job.sweep });
      try {
        const directory = store.directory(created.id);
        await writeFileAtomic(join(directory, CHECKPOINT_FILE), previous.checkpoint);
        await writeFileAtomic(join(directory, METRICS_FILE), previous.metrics);
        await store.update(created.id, { status: 'interrupted', reason: 'its worker stopped answering; continued from the checkpoint it sent' });
        const iteration = decodeCheckpoint(previous.checkpoint, CHECKPOINT_FILE).meta.iteration;
        await supervisor.resumeRun(created.id);
        return new LocalTrial(supervisor, created.id, typeof iteration === 'number' ? iteration : 0);
      } catch {
        // A checkpoint that cannot continue this trial (another network's, damaged): it starts over.
        await store.delete(created.id).catch(() => undefined);
      }
    }
    const record = await supervisor.enqueue(job.config, { name: job.name, sweep: job.sweep });
    return new LocalTrial(supervisor, record.id, null);
  }

  /** Resolves with the run's final record once it has ended (completed, stopped, failed or diverged) and is saved. */
  finished(listener: LocalTrialListener): Promise<RunRecord & { status: FinishedStatus }> {
    return new Promise((resolve) => {
      const check = (record: RunRecord): void => {
        if (!isFinished(record.status)) return;
        unsubscribe();
        resolve({ ...record, status: record.status });
      };
      const unsubscribe = this.supervisor.subscribe((event) => {
        if (event.runId !== this.runId) return;
        if (event.kind === 'status') check(event.record);
        else if (event.event.type === 'epoch') listener.evaluation(storedEvaluation(event.event.record));
        else if (event.event.type === 'paused') listener.paused();
      });
      // It may have ended before this listened (a trial that fails at once).
      void this.supervisor.store.get(this.runId).then(check, () => undefined);
    });
  }

  /**
   * The run's checkpoint and the metrics written so far, cut at their last whole line (the trainer may be
   * appending to them as they are read).
   */
  async files(): Promise<TrialFiles> {
    const directory = this.supervisor.store.directory(this.runId);
    const metrics = (await readBounded(join(directory, METRICS_FILE), MAX_TRIAL_METRICS_BYTES))?.toString('utf8') ?? '';
    const checkpoint = await readBounded(join(directory, CHECKPOINT_FILE), MAX_TRIAL_CHECKPOINT_BYTES);
    return { metrics: metrics.slice(0, metrics.lastIndexOf('\n') + 1), checkpoint: checkpoint ? new Uint8Array(checkpoint) : undefined };
  }
}
