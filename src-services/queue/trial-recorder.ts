import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { errorMessage } from '../../src-shared/error-message';
import type { TrialProgress, TrialResult } from '../../src-shared/queue';
import type { RunRecord } from '../../src-shared/run-record';
import { isDone } from '../../src-shared/sweep-progress';
import { trimMetrics } from '../runs/metrics-writer';
import { writeFileAtomic } from '../runs/run-files';
import { CHECKPOINT_FILE, METRICS_FILE } from '../runs/run-layout';
import type { RunStore } from '../runs/run-store';
import { dropTrialFiles, readTrialFiles } from './trial-files';

/**
 * The coordinator's side of a queued trial: the only writer of its run's files. A worker's progress becomes
 * the run's status (running, on which worker) and its metrics as they come; the job's completion becomes the
 * run's final files (from the trial's file relay) and record. Writes of a run go one after another, and a run
 * whose trial is recorded as done is never written again (a trial is recorded once, however often its
 * completion is heard).
 */
export class TrialRecorder {
  /** Each run's writes, in order. */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: RunStore,
    private readonly redis: Redis,
    private readonly onRecord: (record: RunRecord) => void,
  ) {}

  private then<T>(runId: string, write: () => Promise<T>): Promise<T> {
    const next = (this.chains.get(runId) ?? Promise.resolve()).then(write);
    this.chains.set(runId, next.catch(() => undefined));
    return next;
  }

  private async update(runId: string, patch: Parameters<RunStore['update']>[1]): Promise<RunRecord> {
    const record = await this.store.update(runId, patch);
    this.onRecord(record);
    return record;
  }

  /** A worker's report: the run trains (where), or one more evaluation for its metrics. */
  progress(runId: string, progress: TrialProgress): Promise<void> {
    return this.then(runId, async () => {
      const record = await this.store.get(runId);
      if (isDone(record)) return;
      const metrics = join(this.store.directory(runId), METRICS_FILE);
      if (progress.type === 'started') {
        // What an earlier worker reported past the checkpoint this one continues from is trained again.
        if (progress.resumedFrom === null) await writeFileAtomic(metrics, '');
        else trimMetrics(metrics, progress.resumedFrom);
        await this.update(runId, { status: 'running', worker: progress.worker, reason: undefined });
      } else {
        await appendFile(metrics, `${JSON.stringify({ type: 'evaluation', ...progress.evaluation })}\n`);
        if (record.status !== 'running' || record.worker?.id !== progress.worker.id) await this.update(runId, { status: 'running', worker: progress.worker });
      }
    });
  }

  /**
   * The trial's job completed: its files are written first, then its record, so a run that reads as ended
   * has its files. Returns the run's record; one already recorded as done is returned as it is.
   */
  finish(runId: string, jobId: string, result: TrialResult): Promise<RunRecord> {
    return this.then(runId, async () => {
      const record = await this.store.get(runId);
      if (isDone(record)) {
        // Recorded before (a coordinator stopped between recording and clean-up): only the clean-up is left.
        await dropTrialFiles(this.redis, jobId).catch(() => undefined);
        return record;
      }
      let files;
      try {
        files = await readTrialFiles(this.redis, jobId);
      } catch (error) {
        return this.update(runId, { status: 'failed', reason: errorMessage(error), finishedAt: new Date().toISOString(), worker: result.worker });
      }
      const directory = this.store.directory(runId);
      if (files) {
        await writeFileAtomic(join(directory, METRICS_FILE), files.metrics);
        if (files.checkpoint) await writeFileAtomic(join(directory, CHECKPOINT_FILE), files.checkpoint);
      }
      const { status, reason, summary, backend, backendNote, stalled, finishedAt, worker } = result;
      const final = await this.update(runId, { status, reason, summary, backend, backendNote, stalled, finishedAt, worker });
      await dropTrialFiles(this.redis, jobId).catch(() => undefined);
      return final;
    });
  }

  /** The trial's job failed (refused by a worker, or handed on too often): the run fails with the reason. */
  fail(runId: string, reason: string): Promise<RunRecord> {
    return this.then(runId, async () => {
      const record = await this.store.get(runId);
      if (isDone(record)) return record;
      return this.update(runId, { status: 'failed', reason, finishedAt: new Date().toISOString() });
    });
  }

  /** The coordinator stops following the run before it ended: left `status` with why, unless it ended meanwhile. */
  leave(runId: string, status: 'stopped' | 'interrupted', reason: string): Promise<RunRecord> {
    return this.then(runId, async () => {
      const record = await this.store.get(runId);
      if (!['queued', 'running'].includes(record.status)) return record;
      return this.update(runId, { status, reason });
    });
  }
}
