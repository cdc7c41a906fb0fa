import { Queue, QueueEvents, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { errorMessage } from '../../src-shared/error-message';
import { trialProgressSchema, trialResultSchema, type DatasetIdentity, type TrialJob } from '../../src-shared/queue';
import type { WorkerInfo } from '../../src-shared/queue-worker-info';
import type { RunRecord } from '../../src-shared/run-record';
import type { Sweep } from '../../src-shared/sweep';
import { isDone, rankTrials } from '../../src-shared/sweep-progress';
import type { RunClaim, RunStore } from '../runs/run-store';
import { planTrials, trialCount } from '../sweeps/sweep-plan';
import type { SweepResult, SweepRunner, SweepRunOptions } from '../sweeps/sweep-runner';
import { checkReachable, connectionOptions } from './connection';
import { datasetIdentity } from './dataset-checksum';
import { TRIAL_QUEUE, trialJobId } from './queue-keys';
import type { RedisTarget } from './redis-url';
import { TrialRecorder } from './trial-recorder';
import { listWorkers } from './worker-registry';

export interface QueueSweepOptions extends SweepRunOptions {
  /** Every record the coordinator writes (a host shows them live). */
  readonly onRecord?: (record: RunRecord) => void;
  /** A problem that does not stop the sweep (a progress report that could not be written). */
  readonly onWarning?: (message: string) => void;
}

/** One trial followed by the coordinator: its run, its job, and the run's lock held meanwhile. */
interface Followed {
  readonly runId: string;
  readonly jobId: string;
  readonly claim: RunClaim;
  readonly job: Job;
}

/**
 * Runs a sweep on a BullMQ job queue (`npm run sweep -- --queue redis://...`): one job per trial, trained by
 * `npm run worker` processes anywhere, recorded here. The sweep's definition and every trial's run live in this
 * host's run store, written by this process only (see TrialRecorder). A job's id is its sweep's id and its
 * index, so a coordinator that restarts (resume) puts nothing on the queue twice: it follows the jobs still
 * there and records those that completed meanwhile.
 */
export class QueueSweep {
  constructor(
    private readonly runner: SweepRunner,
    private readonly store: RunStore,
    private readonly target: RedisTarget,
  ) {}

  /** Checks the server and the sweep (nothing is written before both pass), stores the definition and runs it. */
  async start(sweep: Sweep, options: QueueSweepOptions = {}): Promise<SweepResult> {
    return this.run(await this.prepare(sweep), sweep, options);
  }

  /**
   * Checks the server, the sweep and its datasets, then stores the definition; returns the new sweep's id.
   * Nothing is written when any check fails (an unreachable server included).
   */
  async prepare(sweep: Sweep): Promise<string> {
    await checkReachable(this.target);
    // Each trial must fit this host's budget alone (it may train here one day); workers check theirs.
    await this.runner.check(sweep, { concurrency: 1 });
    await this.datasets(sweep);
    return this.runner.prepare(sweep);
  }

  /** Reattaches to a stored sweep: records what its workers finished meanwhile, queues what is left. */
  async resume(id: string, options: QueueSweepOptions = {}): Promise<SweepResult> {
    await checkReachable(this.target);
    const sweep = await this.runner.definition(id);
    await this.runner.check(sweep, { concurrency: 1 });
    return this.run(id, sweep, options);
  }

  /** Refuses, with a clear message, when the queue's server cannot be reached. */
  reachable(): Promise<void> {
    return checkReachable(this.target);
  }

  /** The queue's server as messages name it (no password). */
  get shown(): string {
    return this.target.shown;
  }

  /** The live workers of the queue. */
  async workers(): Promise<WorkerInfo[]> {
    await checkReachable(this.target);
    const redis = new Redis(connectionOptions(this.target));
    redis.on('error', () => undefined);
    try {
      return await listWorkers(redis);
    } finally {
      redis.disconnect();
    }
  }

  /** The identity of every dataset the trials train on (a sweep may vary it), read before anything is queued. */
  private async datasets(sweep: Sweep): Promise<Map<string, DatasetIdentity>> {
    const found = new Map<string, DatasetIdentity>();
    for (const planned of planTrials(sweep)) {
      const key = JSON.stringify(planned.config.dataset);
      if (!found.has(key)) found.set(key, await datasetIdentity(planned.config.dataset));
    }
    return found;
  }

  /** Runs a prepared sweep (see prepare) on the queue until every trial is recorded or the signal aborts. */
  async run(id: string, sweep: Sweep, options: QueueSweepOptions = {}): Promise<SweepResult> {
    const datasets = await this.datasets(sweep);
    const started = performance.now();
    const total = trialCount(sweep);
    const connection = connectionOptions(this.target);
    const queue = new Queue(TRIAL_QUEUE, { connection });
    const events = new QueueEvents(TRIAL_QUEUE, { connection });
    const redis = new Redis(connection);
    // Connection errors are reported by the calls that meet them; the clients reconnect meanwhile.
    queue.on('error', () => undefined);
    events.on('error', () => undefined);
    redis.on('error', () => undefined);
    events.setMaxListeners(0);
    const recorder = new TrialRecorder(this.store, redis, (record) => options.onRecord?.(record));
    const followed = new Map<string, Followed>();
    const records = new Map<number, RunRecord>();
    let ended = 0;
    const { signal } = options;
    const aborted = new Promise<'aborted'>((resolve) => {
      if (signal?.aborted) resolve('aborted');
      signal?.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    const end = (record: RunRecord): void => {
      records.set(record.sweep!.trial, record);
      ended++;
      options.onTrial?.(record, ended, total);
    };
    events.on('progress', ({ jobId, data }) => {
      const trial = followed.get(jobId);
      const parsed = trialProgressSchema.safeParse(data);
      if (!trial || !parsed.success) return;
      void recorder
        .progress(trial.runId, parsed.data)
        .then(async () => {
          if (parsed.data.type === 'started') options.onTrialStart?.(await this.store.get(trial.runId));
        })
        .catch((error: unknown) => options.onWarning?.(`trial ${jobId}: its progress could not be recorded: ${errorMessage(error)}`));
    });
    try {
      await events.waitUntilReady();
      const existing = new Map<number, RunRecord>();
      for (const listing of await this.store.list()) {
        if (listing.kind === 'ok' && listing.record.sweep?.id === id) existing.set(listing.record.sweep.trial, listing.record);
      }
      const following: Array<Promise<void>> = [];
      for (const planned of planTrials(sweep)) {
        if (signal?.aborted) break;
        const previous = existing.get(planned.trial);
        if (previous && isDone(previous)) {
          end(previous);
          continue;
        }
        const tag = { id, name: sweep.name, trial: planned.trial, parameters: planned.parameters };
        const name = planned.config.name ?? `${sweep.name} #${planned.trial + 1}`;
        let created = previous;
        if (!created) {
          created = await this.store.create(planned.config, { name, sweep: tag });
          options.onRecord?.(created);
        }
        const claim = await this.store.claim(created.id, 'train');
        const jobId = trialJobId(id, planned.trial);
        const data: TrialJob = { runId: created.id, name, sweep: tag, config: planned.config, dataset: datasets.get(JSON.stringify(planned.config.dataset))! };
        let job = await queue.getJob(jobId);
        // A job that failed in an earlier session runs again (its run failed; resuming the sweep retries it).
        if (job && (await job.isFailed())) {
          await job.remove();
          job = undefined;
        }
        if (previous && !['queued', 'running'].includes(previous.status)) options.onRecord?.(await this.store.update(created.id, { status: 'queued', reason: undefined }));
        job ??= await queue.add('trial', data, { jobId, removeOnComplete: false, removeOnFail: false });
        const trial: Followed = { runId: created.id, jobId, claim, job };
        followed.set(jobId, trial);
        following.push(this.follow(trial, events, recorder, aborted).then((record) => record && end(record)));
      }
      await Promise.race([Promise.all(following), aborted]);
      if (signal?.aborted) await this.leave(queue, recorder, followed, id);
    } finally {
      for (const trial of followed.values()) await trial.claim.release().catch(() => undefined);
      await Promise.allSettled([events.close(), queue.close()]);
      redis.disconnect();
    }
    const final = await Promise.all([...followed.values()].map((trial) => this.store.get(trial.runId)));
    for (const record of final) records.set(record.sweep!.trial, record);
    return { id, sweep, ...rankTrials([...records.values()]), seconds: (performance.now() - started) / 1000 };
  }

  /** Waits for the trial's job to end and records it; undefined when the sweep is cancelled first. */
  private async follow(trial: Followed, events: QueueEvents, recorder: TrialRecorder, aborted: Promise<'aborted'>): Promise<RunRecord | undefined> {
    const outcome = await Promise.race([
      trial.job.waitUntilFinished(events).then(
        (value: unknown) => ({ value }),
        (error: unknown) => ({ error: errorMessage(error) }),
      ),
      aborted,
    ]);
    if (outcome === 'aborted') return undefined;
    if ('error' in outcome) return recorder.fail(trial.runId, `the queue gave the trial up: ${outcome.error}`);
    const parsed = trialResultSchema.safeParse(outcome.value);
    if (!parsed.success) return recorder.fail(trial.runId, `its worker's result is refused: ${parsed.error.issues[0]?.path.join('.') || '(result)'}: ${parsed.error.issues[0]?.message}`);
    const record = await recorder.finish(trial.runId, trial.jobId, parsed.data);
    // Recorded: the job has served its purpose and leaves the queue.
    await trial.job.remove().catch(() => undefined);
    return record;
  }

  /**
   * A cancelled sweep: trials no worker took yet leave the queue (their runs stopped); those in training go on
   * on their workers and are collected when the sweep resumes (their runs read as interrupted meanwhile).
   */
  private async leave(queue: Queue, recorder: TrialRecorder, followed: Map<string, Followed>, id: string): Promise<void> {
    for (const trial of followed.values()) {
      // Only a job waiting for a worker leaves: a completed one is recorded when the sweep resumes.
      const waiting = ['waiting', 'prioritized', 'delayed'].includes(await trial.job.getState().catch(() => 'unknown'));
      const removed = waiting && (await queue.remove(trial.jobId).then((count) => count > 0, () => false));
      if (removed) await recorder.leave(trial.runId, 'stopped', 'the sweep was cancelled before a worker took this trial');
      else await recorder.leave(trial.runId, 'interrupted', `a worker trains this trial; resume sweep ${id} with the same --queue to collect it`);
    }
  }
}
