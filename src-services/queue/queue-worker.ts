import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { errorMessage } from '../../src-shared/error-message';
import { trialJobSchema, trialResultSchema, type TrialJob, type TrialProgress, type TrialResult } from '../../src-shared/queue';
import type { TrialPlacement, WorkerInfo } from '../../src-shared/queue-worker-info';
import type { MemoryBudget } from '../../src-shared/memory-budget';
import { checkTrainingBudget, memoryBudget } from '../limits/memory-budget';
import { RunStore } from '../runs/run-store';
import { RunSupervisor } from '../trainers/run-supervisor';
import type { TrainerProcessFactory } from '../trainers/trainer-process';
import { checkReachable, connectionOptions } from './connection';
import { datasetIdentity } from './dataset-checksum';
import { LocalTrial } from './local-trial';
import { TRIAL_QUEUE, trialJobId } from './queue-keys';
import type { RedisTarget } from './redis-url';
import { readTrialFiles, saveTrialFiles } from './trial-files';
import { registerWorker, unregisterWorker } from './worker-registry';

export interface QueueWorkerOptions {
  readonly target: RedisTarget;
  /** Trials trained at once, each in a trainer process of its own. */
  readonly concurrency: number;
  readonly factory: TrainerProcessFactory;
  /** Cores the trainers share (default: this machine's). */
  readonly cores?: number;
  /** How often a trial in training sends its latest checkpoint at most (ms, default 10 s; 0: at every evaluation). */
  readonly checkpointEveryMs?: number;
  /** How often the worker refreshes its registration (ms, default 5 s). */
  readonly heartbeatMs?: number;
  /**
   * BullMQ's job lock: a worker that does not renew it within lockDuration (killed, cut off) loses the trial,
   * which the stalled check of any worker (every stalledInterval) hands to the next one. Defaults 30 s / 30 s.
   */
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  readonly log?: (line: string) => void;
  /** What one trial may use on this machine (default: its budget, see memoryBudget); a larger trial is refused. */
  readonly memoryBudget?: MemoryBudget;
  /** Called once a trial's checkpoint reached the queue, sent after an evaluation or at a pause of its trainer. */
  readonly onCheckpointSent?: (jobId: string, after: 'evaluation' | 'pause') => void;
}

/** A trial may be handed on this many times after its workers stopped answering before it fails. */
const MAX_STALLS = 5;

/**
 * Runs a sweep queue's trials on this machine (`npm run worker`): takes jobs from the queue, trains each in
 * this project's trainer processes (kept warm from trial to trial, so each decodes the dataset once), and
 * sends back its progress (job progress), its checkpoint now and then and its final files (see trial-files.ts),
 * and how it ended (the job's return value). A job whose dataset differs from this machine's copy, or that is
 * not a valid trial, is refused with the reason. The worker registers itself (see worker-registry.ts).
 */
export class QueueWorker {
  readonly placement: TrialPlacement;
  private readonly current = new Map<string, WorkerInfo['current'][number]>();
  private trialsDone = 0;
  private readonly startedAt = new Date().toISOString();
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Local runs whose files were sent: deleted once their trainers let go of them. */
  private readonly sent: string[] = [];
  private readonly budget: MemoryBudget;

  private constructor(
    private readonly options: QueueWorkerOptions,
    private readonly redis: Redis,
    private readonly supervisor: RunSupervisor,
    private readonly scratch: string,
    private worker: Worker | undefined = undefined,
  ) {
    this.budget = options.memoryBudget ?? memoryBudget();
    const host = hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 200) || 'host';
    this.placement = { id: `${host}.${process.pid}.${randomBytes(2).toString('hex')}`, host };
  }

  /** Checks the server is reachable (a clear error otherwise), then starts taking trials. */
  static async start(options: QueueWorkerOptions): Promise<QueueWorker> {
    await checkReachable(options.target);
    const scratch = await mkdtemp(join(tmpdir(), 'bpw-worker-'));
    const store = new RunStore(scratch, process.env.npm_package_version ?? '0.0.0', undefined, { holder: 'npm run worker' });
    const supervisor = new RunSupervisor(store, options.factory, {
      concurrency: options.concurrency,
      reuseTrainers: true,
      ...(options.cores ? { cores: options.cores } : {}),
      ...(options.memoryBudget ? { memoryBudgetBytes: options.memoryBudget.bytes } : {}),
    });
    const redis = new Redis(connectionOptions(options.target));
    redis.on('error', () => undefined);
    const self = new QueueWorker(options, redis, supervisor, scratch);
    await self.beat();
    const heartbeatMs = options.heartbeatMs ?? 5000;
    self.heartbeat = setInterval(() => void self.beat().catch((error: unknown) => self.say(`could not refresh this worker's registration: ${errorMessage(error)}`)), heartbeatMs);
    self.worker = new Worker(TRIAL_QUEUE, (job) => self.process(job), {
      connection: connectionOptions(options.target),
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: MAX_STALLS,
      autorun: true,
    });
    self.worker.on('error', (error) => self.say(`queue error: ${errorMessage(error)}`));
    return self;
  }

  /** Takes no more trials, waits for those in training to end and be sent, then lets go of everything. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.worker?.close();
    await unregisterWorker(this.redis, this.placement.id).catch(() => undefined);
    await this.supervisor.shutdown();
    this.redis.disconnect();
    await rm(this.scratch, { recursive: true, force: true });
  }

  private say(line: string): void {
    this.options.log?.(`${line}\n`);
  }

  private async beat(): Promise<void> {
    const info: WorkerInfo = {
      ...this.placement,
      pid: process.pid,
      concurrency: this.options.concurrency,
      trialsDone: this.trialsDone,
      current: [...this.current.values()],
      startedAt: this.startedAt,
      seenAt: new Date().toISOString(),
    };
    await registerWorker(this.redis, info, this.options.heartbeatMs ?? 5000);
  }

  /** The job's trial, validated; refused for good (no other worker would do better) when it is not one. */
  private async accept(job: Job): Promise<TrialJob> {
    const parsed = trialJobSchema.safeParse(job.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UnrecoverableError(`job ${job.id} is not a trial: ${issue?.path.join('.') || '(job)'}: ${issue?.message}`);
    }
    const trial = parsed.data;
    if (job.id !== trialJobId(trial.sweep.id, trial.sweep.trial)) throw new UnrecoverableError(`job ${job.id} is not a trial: its id does not match its sweep and trial`);
    let mine;
    try {
      mine = await datasetIdentity(trial.config.dataset);
    } catch (error) {
      throw new UnrecoverableError(`worker ${this.placement.id} cannot read the dataset "${trial.dataset.name}": ${errorMessage(error)}`);
    }
    try {
      checkTrainingBudget(trial.config, this.budget, `trial ${job.id}`);
    } catch (error) {
      throw new UnrecoverableError(`worker ${this.placement.id} refused the trial: ${errorMessage(error)}`);
    }
    if (mine.checksum !== trial.dataset.checksum) {
      throw new UnrecoverableError(
        `worker ${this.placement.id} refused the trial: its copy of the dataset "${mine.name}" (sha256 ${mine.checksum.slice(0, 12)}…) is not the sweep's (sha256 ${trial.dataset.checksum.slice(0, 12)}…); give it the same files`,
      );
    }
    return trial;
  }

  private async process(job: Job): Promise<TrialResult> {
    const trial = await this.accept(job);
    const jobId = job.id!;
    await this.forgetSent();
    const previous = await readTrialFiles(this.redis, jobId).catch((error: unknown) => {
      this.say(`trial ${jobId}: the checkpoint sent earlier is refused (${errorMessage(error)}); it starts over`);
      return undefined;
    });
    const local = await LocalTrial.begin(this.supervisor, trial, previous);
    this.current.set(jobId, { sweepId: trial.sweep.id, trial: trial.sweep.trial, runId: trial.runId });
    void this.beat().catch(() => undefined);
    this.say(`trial ${jobId}: ${local.resumedFrom === null ? 'started' : `continued from iteration ${local.resumedFrom}`}`);
    const report = (progress: TrialProgress): void => void job.updateProgress(progress).catch((error: unknown) => this.say(`trial ${jobId}: progress not sent (${errorMessage(error)})`));
    report({ type: 'started', worker: this.placement, resumedFrom: local.resumedFrom });
    // Checkpoints go out one at a time, at most every checkpointEveryMs.
    let sending: Promise<void> = Promise.resolve();
    let lastSent = -Infinity;
    const sendCheckpoint = (after: 'evaluation' | 'pause'): void => {
      if (after === 'evaluation' && performance.now() - lastSent < (this.options.checkpointEveryMs ?? 10_000)) return;
      lastSent = performance.now();
      sending = sending.then(async () => {
        await saveTrialFiles(this.redis, jobId, await local.files());
        this.options.onCheckpointSent?.(jobId, after);
      }).catch((error: unknown) => this.say(`trial ${jobId}: checkpoint not sent (${errorMessage(error)})`));
    };
    try {
      const record = await local.finished({
        evaluation: (evaluation) => {
          report({ type: 'evaluation', worker: this.placement, evaluation });
          sendCheckpoint('evaluation');
        },
        paused: () => sendCheckpoint('pause'),
      });
      await sending;
      // The final files before the job completes: the coordinator reads them when it hears of the completion.
      await saveTrialFiles(this.redis, jobId, await local.files());
      this.sent.push(local.runId);
      this.say(`trial ${jobId}: ${record.status}`);
      return trialResultSchema.parse({
        status: record.status,
        ...(record.reason ? { reason: record.reason.slice(0, 2000) } : {}),
        ...(record.summary ? { summary: record.summary } : {}),
        ...(record.backend ? { backend: record.backend } : {}),
        ...(record.backendNote ? { backendNote: record.backendNote } : {}),
        ...(record.stalled ? { stalled: record.stalled } : {}),
        finishedAt: record.finishedAt ?? new Date().toISOString(),
        worker: this.placement,
      });
    } finally {
      this.current.delete(jobId);
      this.trialsDone++;
      void this.beat().catch(() => undefined);
    }
  }

  /** Deletes the local runs already sent whose trainers have let go of them (the others are tried next time). */
  private async forgetSent(): Promise<void> {
    for (const runId of this.sent.splice(0)) {
      await this.supervisor.store.delete(runId).catch(() => this.sent.push(runId));
    }
  }
}
