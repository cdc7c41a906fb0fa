import { join } from 'node:path';
import type { DatasetConfig, TrainConfig } from '../src-shared/config';
import { describeIssues, trainerCommandSchema, type TrainerCommand } from '../src-shared/trainer-protocol';
import type { Dataset } from '../src-engine/dataset';
import { DatasetCache } from '../src-services/data/dataset-source';
import type { Backend } from '../src-engine/backend';
import { nativeInfo, setNativeThreads } from '../src-services/backends/native-backend';
import { selectBackend } from '../src-services/backends/select-backend';
import type { EvaluationRecord } from '../src-engine/training/evaluation-record';
import { Trainer } from '../src-engine/training/trainer';
import { readCheckpoint } from '../src-services/runs/checkpoint';
import { restoreCheckpoint } from '../src-services/runs/checkpoint-fit';
import { trimMetrics } from '../src-services/runs/metrics-writer';
import type { RunFileWriterSync } from '../src-services/runs/run-files';
import { RunRecorder } from '../src-services/runs/run-recorder';
import { activationHistograms, exportOnnx, exportWeights, gradientCheck, layerActivations, layerGraph, predict, saliency, weightHistograms } from './requests';
import { detectTransport, type Transport } from './transport';
import { CHECKPOINT_FILE, METRICS_FILE } from '../src-services/runs/run-layout';

/**
 * The trainer process: one run (or one loaded network) at a time, trained in time slices so that commands
 * (pause, stop, a new share of threads, predictions) are handled between two slices. Once a run has finished,
 * another 'start' trains the next one in the same process (the datasets it decoded stay cached; nothing else
 * carries over). The same code runs as an Electron utility process and as a Node child (see transport.ts).
 */

/** Training runs in slices this long; commands that arrive meanwhile are handled between slices. */
const SLICE_MS = 40;
/** 20 progress events per second at most, whatever the iteration rate. */
const PROGRESS_INTERVAL_MS = 50;

interface Session {
  readonly trainer: Trainer<TrainConfig>;
  readonly backend: Backend;
  readonly recorder?: RunRecorder;
  state: 'running' | 'paused' | 'finished' | 'loaded';
  stopRequested: boolean;
  elapsedMs: number;
  pending: number[];
  pendingStart: number;
  lastProgress: number;
}

function newSession(trainer: Trainer<TrainConfig>, backend: Backend, state: Session['state'], recorder?: RunRecorder): Session {
  return {
    trainer,
    backend,
    ...(recorder ? { recorder } : {}),
    state,
    stopRequested: false,
    elapsedMs: 0,
    pending: [],
    pendingStart: trainer.iteration,
    lastProgress: 0,
  };
}

/** Seams for tests: what a test needs to stop a run at a chosen step instead of racing it by time. */
export interface TrainerHostHooks {
  /** Called after every step with the updates made so far; 'pause' pauses the run there, as a pause command would. */
  readonly afterStep?: (iteration: number) => 'pause' | 'continue';
  /** The run's metrics and checkpoint writes (a test puts a full disk here). */
  readonly writer?: RunFileWriterSync;
}

export function runTrainerHost(transport: Transport = detectTransport(), hooks: TrainerHostHooks = {}): void {
  const host = new TrainerHost(transport, hooks);
  transport.onMessage((message) => host.receive(message));
  // A Node child whose parent died (killed, crashed) is orphaned, not ended: it saves where it stands and
  // exits, instead of training on in a run folder whose owner is gone. (Electron ends utility processes itself.)
  process.on('disconnect', () => host.parentGone());
  process.on('uncaughtException', (error) => {
    transport.send({ type: 'failed', reason: `trainer crashed: ${error.message}` });
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 50);
  });
}

class TrainerHost {
  private session: Session | undefined;
  private busy = false;
  /** A stop that arrived while the run was starting (reading its dataset): it stops as soon as it exists. */
  private stopOnStart = false;
  /** The supervisor's latest share of the cores for this process's native kernels (undefined: every core). */
  private threads: number | undefined;
  private readonly datasets = new DatasetCache();
  private readonly transport: Transport;
  private readonly hooks: TrainerHostHooks;

  constructor(transport: Transport, hooks: TrainerHostHooks) {
    this.transport = transport;
    this.hooks = hooks;
  }

  /** Between slices: saves the run's metrics and a checkpoint as a pause would, then exits. */
  parentGone(): void {
    const session = this.session;
    if (session?.recorder && (session.state === 'running' || session.state === 'paused')) {
      session.state = 'finished';
      try {
        for (const record of session.trainer.settleEvaluations()) session.recorder.evaluation(record);
        session.recorder.end();
      } catch {
        // nobody is left to tell; the last checkpoint written stays the run's
      }
    }
    process.exit(0);
  }

  receive(message: unknown): void {
    const parsed = trainerCommandSchema.safeParse(message);
    if (!parsed.success) {
      const requestId = (message as { requestId?: unknown } | null)?.requestId;
      const reason = `invalid command: ${describeIssues(parsed.error)}`;
      if (typeof requestId === 'string' && requestId) this.transport.send({ type: 'requestFailed', requestId, reason });
      else this.transport.send({ type: 'log', level: 'error', message: reason });
      return;
    }
    void this.handle(parsed.data).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      if ('requestId' in parsed.data) this.transport.send({ type: 'requestFailed', requestId: parsed.data.requestId, reason });
      else this.transport.send({ type: 'failed', reason });
    });
  }

  private async handle(command: TrainerCommand): Promise<void> {
    const session = this.session;
    switch (command.type) {
      case 'start':
      case 'load': {
        if (this.busy || (session && (session.state === 'running' || session.state === 'paused'))) {
          throw new Error('this trainer process already has a run');
        }
        this.busy = true;
        this.stopOnStart = false;
        // Recorded before the await: a 'threads' command that arrives while the run starts is newer.
        if (command.type === 'start' && command.threads !== undefined) this.threads = command.threads;
        try {
          if (command.type === 'start') await this.start(command.config, command.run?.directory, command.run?.resume ?? false);
          else await this.load(command.config, command.directory);
        } finally {
          this.busy = false;
        }
        return;
      }
      case 'pause':
        if (session?.state === 'running') this.pause(session);
        return;
      case 'resume':
        if (session?.state === 'paused') {
          session.state = 'running';
          this.transport.send({ type: 'resumed', iteration: session.trainer.iteration });
          this.schedule(session);
        }
        return;
      case 'threads':
        this.threads = command.threads;
        // Between two slices of training: no kernel of this process runs while the pool is resized.
        if (session?.backend.name === 'native' && nativeInfo().threads !== command.threads) {
          setNativeThreads(command.threads);
          this.transport.send({ type: 'threads', threads: nativeInfo().threads });
        }
        return;
      case 'stop':
        if (this.busy) this.stopOnStart = true;
        else if (session?.state === 'paused') this.finish(session, 'stopped');
        else if (session?.state === 'running') session.stopRequested = true;
        return;
      case 'predict':
        this.transport.send(predict(this.requireSession().trainer, command));
        return;
      case 'inputGradient':
        this.transport.send(saliency(this.requireSession().trainer, command));
        return;
      case 'inputActivations':
        this.transport.send(layerActivations(this.requireSession().trainer, command));
        return;
      case 'evaluate':
        this.transport.send({ type: 'evaluation', requestId: command.requestId, record: this.requireSession().trainer.evaluate(false) });
        return;
      case 'exportWeights':
        this.transport.send(exportWeights(this.requireSession().trainer, command.requestId));
        return;
      case 'layerGraph':
        this.transport.send(await layerGraph(command, this));
        return;
      case 'exportOnnx': {
        const { trainer } = this.requireSession();
        this.transport.send(await exportOnnx(trainer, await this.dataset(trainer.config.dataset), command));
        return;
      }
      case 'gradientCheck':
        this.transport.send(await gradientCheck(command, await this.dataset(command.config.dataset)));
        return;
      case 'activationHistograms': {
        const { trainer } = this.requireSession();
        this.transport.send(activationHistograms(trainer, await this.dataset(trainer.config.dataset), command));
        return;
      }
      case 'weightHistograms':
        this.transport.send(weightHistograms(this.requireSession().trainer, command));
        return;
    }
  }

  private requireSession(): Session {
    if (!this.session) throw new Error('no network in this trainer process yet: start or load a run first');
    return this.session;
  }

  dataset(config: DatasetConfig): Promise<Dataset> {
    return this.datasets.get(config);
  }

  /** The run's trainer; `warning` says which backend 'auto' took instead of the native one, and why. */
  async createTrainer(config: TrainConfig): Promise<{ trainer: Trainer<TrainConfig>; backend: Backend; warning?: string }> {
    const dataset = await this.dataset(config.dataset);
    const { backend, warning } = selectBackend(config.backend);
    return { trainer: new Trainer(config, dataset, backend), backend, ...(warning ? { warning } : {}) };
  }

  private async start(config: TrainConfig, directory: string | undefined, resume: boolean): Promise<void> {
    const { trainer, backend, warning } = await this.createTrainer(config);
    // The supervisor's share of the cores; without one (a lone trainer) the kernels keep every core.
    if (backend.name === 'native' && this.threads !== undefined) setNativeThreads(this.threads);
    if (resume) {
      if (!directory) throw new Error('resume needs the run directory');
      // Checked whole before anything changes: a checkpoint that does not fit leaves the metrics as they are.
      restoreCheckpoint(trainer, await readCheckpoint(join(directory, CHECKPOINT_FILE)));
      trimMetrics(join(directory, METRICS_FILE), trainer.iteration, this.hooks.writer);
    }
    const session = newSession(trainer, backend, 'running', directory ? new RunRecorder(directory, trainer, this.hooks.writer) : undefined);
    session.stopRequested = this.stopOnStart;
    this.session = session;
    this.transport.send({
      type: 'ready',
      backend: backend.name,
      ...(warning ? { warning } : {}),
      iteration: trainer.iteration,
      total: trainer.totalIterations,
      ...(backend.name === 'native' ? { threads: nativeInfo().threads } : {}),
    });
    this.schedule(session);
  }

  private async load(config: TrainConfig, directory: string): Promise<void> {
    const { trainer, backend } = await this.createTrainer(config);
    restoreCheckpoint(trainer, await readCheckpoint(join(directory, CHECKPOINT_FILE)));
    this.session = newSession(trainer, backend, 'loaded');
    this.transport.send({ type: 'loaded', iteration: trainer.iteration });
  }

  private schedule(session: Session): void {
    setImmediate(() => this.slice(session));
  }

  private slice(session: Session): void {
    if (session !== this.session || session.state !== 'running') return;
    const { trainer } = session;
    const started = performance.now();
    const sliceEnd = started + SLICE_MS;
    try {
      while (!trainer.finished && performance.now() < sliceEnd) {
        if (session.stopRequested) {
          session.elapsedMs += performance.now() - started;
          this.finish(session, 'stopped');
          return;
        }
        const outcome = trainer.advance();
        if (session.pending.length === 0) session.pendingStart = outcome.iteration;
        session.pending.push(outcome.loss);
        session.recorder?.loss(outcome.iteration, outcome.loss);
        if (outcome.evaluation) {
          this.flushProgress(session);
          this.reportEvaluation(session, outcome.evaluation);
        }
        if (outcome.diverged) {
          session.elapsedMs += performance.now() - started;
          this.finish(session, 'diverged', `the loss became ${outcome.loss} at iteration ${outcome.iteration + 1}`);
          return;
        }
        if (!trainer.finished && this.hooks.afterStep?.(trainer.iteration) === 'pause') {
          session.elapsedMs += performance.now() - started;
          this.pause(session);
          return;
        }
        if (performance.now() - session.lastProgress >= PROGRESS_INTERVAL_MS) this.flushProgress(session);
      }
    } catch (error) {
      session.state = 'finished';
      this.transport.send({ type: 'failed', reason: error instanceof Error ? error.message : String(error) });
      return;
    }
    session.elapsedMs += performance.now() - started;
    if (trainer.finished) this.finish(session, 'completed');
    else this.schedule(session);
  }

  private pause(session: Session): void {
    session.state = 'paused';
    this.flushProgress(session);
    this.reportSettled(session);
    session.recorder?.end();
    this.transport.send({ type: 'paused', iteration: session.trainer.iteration });
  }

  private flushProgress(session: Session): void {
    session.lastProgress = performance.now();
    if (session.pending.length === 0) return;
    this.transport.send({
      type: 'progress',
      start: session.pendingStart,
      iteration: session.trainer.iteration,
      total: session.trainer.totalIterations,
      losses: Float64Array.from(session.pending),
      elapsedSeconds: session.elapsedMs / 1000,
    });
    session.pending = [];
  }

  private reportEvaluation(session: Session, record: EvaluationRecord): void {
    session.recorder?.evaluation(record);
    this.transport.send({ type: 'epoch', record });
  }

  /** Evaluations still running in the background or not yet handed out: on record before a pause or the end. */
  private reportSettled(session: Session): void {
    for (const record of session.trainer.settleEvaluations()) this.reportEvaluation(session, record);
  }

  private finish(session: Session, status: 'completed' | 'stopped' | 'diverged', reason?: string): void {
    this.flushProgress(session);
    const { trainer } = session;
    this.reportSettled(session);
    if (status === 'completed') {
      const final = trainer.finalEvaluation();
      if (final) this.reportEvaluation(session, final);
    }
    session.recorder?.end(status === 'diverged');
    session.state = 'finished';
    const last = trainer.lastEvaluationRecord;
    this.transport.send({
      type: 'finished',
      status,
      iterations: trainer.iteration,
      trainAccuracy: last?.trainAccuracy ?? NaN,
      testAccuracy: last?.testAccuracy ?? NaN,
      seconds: session.elapsedMs / 1000,
      ...(reason ? { reason } : {}),
    });
  }
}
