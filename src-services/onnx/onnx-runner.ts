import { fork, type ChildProcess } from 'node:child_process';
import { totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetSplit } from '../../src-engine/dataset';
import { ONNX_LIMITS } from '../../src-shared/limits';
import type { OnnxReport } from '../../src-shared/run-record';
import type { OnnxModelInfo } from './inspect-model';
import { formatBytes, OnnxModelError } from './model-error';
import { RUNNER_REPORT_FD, runnerReplySchema, watchdogReportSchema, type RunnerCommand, type RunnerReply, type RunnerSettings } from './runner-protocol';

/** The script the runner process runs and the Node flags it needs. */
export interface OnnxRunnerEntry {
  readonly file: string;
  readonly execArgv: readonly string[];
}

/** The built runner next to the main bundle (the desktop app), else the TypeScript source through tsx. */
function onnxRunnerEntry(): OnnxRunnerEntry {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.ts')) return { file: join(dirname(self), 'runner-entry.ts'), execArgv: ['--import', 'tsx'] };
  return { file: join(dirname(self), 'onnx-runner-entry.js'), execArgv: [] };
}

/** Starts a job's time limit and gives what cancels it; tests inject one that expires on demand. */
export type JobTimer = (ms: number, expire: () => void) => () => void;

const realTimer: JobTimer = (ms, expire) => {
  const timer = setTimeout(expire, ms);
  return () => clearTimeout(timer);
};

export interface OnnxRunnerOptions {
  readonly entry?: OnnxRunnerEntry;
  /** The runner's resident-set cap; by default ONNX_LIMITS.runnerMemoryBytes or a quarter of RAM, the lesser. */
  readonly memoryCapBytes?: number;
  /** The runner's JavaScript heap (decoded models, test sets); onnxruntime's memory is native. */
  readonly heapMegabytes?: number;
  readonly maxQueuedJobs?: number;
  readonly timeoutsMs?: { readonly load: number; readonly validate: number; readonly predict: number };
  readonly timer?: JobTimer;
}

/** A command before the runner numbers it. */
type JobCommand = RunnerCommand extends infer C ? (C extends RunnerCommand ? Omit<C, 'jobId'> : never) : never;

interface Job {
  readonly command: JobCommand;
  readonly source: string;
  /** What the runner was doing, for messages: "while loading it". */
  readonly doing: string;
  readonly timeoutMs: number;
  readonly resolve: (reply: RunnerReply) => void;
  readonly reject: (error: Error) => void;
}

/** More ONNX jobs are waiting than a host queues; the request is refused, nothing was started. */
class OnnxRunnerBusyError extends Error {}

/**
 * The host's side of the ONNX runner process: one child process, started on demand, runs one job at a time
 * under a time limit (on expiry it is killed) and a memory cap (its own watchdog kills it). When it dies,
 * the job it was running fails with the reason, the models it held are reported lost, and the next job
 * starts a fresh runner. With nothing loaded and nothing queued, the runner is let go.
 */
export class OnnxRunner {
  readonly memoryCapBytes: number;
  private readonly entry: OnnxRunnerEntry;
  private readonly options: OnnxRunnerOptions;
  private readonly timer: JobTimer;
  private current: RunnerProcess | undefined;
  private running: { job: Job; jobId: number; cancelTimer: () => void } | undefined;
  private readonly queue: Job[] = [];
  private readonly loaded = new Set<string>();
  private readonly lostListeners: Array<(modelIds: readonly string[], reason: string) => void> = [];
  private nextJob = 1;
  private closed = false;

  constructor(options: OnnxRunnerOptions = {}) {
    this.options = options;
    this.entry = options.entry ?? onnxRunnerEntry();
    this.timer = options.timer ?? realTimer;
    this.memoryCapBytes = options.memoryCapBytes ?? Math.min(ONNX_LIMITS.runnerMemoryBytes, Math.floor(totalmem() / 4));
  }

  /** The runner's process id while one runs. */
  get pid(): number | undefined {
    return this.current?.child.pid;
  }

  /** Called with the ids of the models a dead runner held, and why it died. */
  onModelsLost(listener: (modelIds: readonly string[], reason: string) => void): void {
    this.lostListeners.push(listener);
  }

  isLoaded(modelId: string): boolean {
    return this.loaded.has(modelId);
  }

  async load(modelId: string, bytes: Uint8Array, source: string): Promise<OnnxModelInfo> {
    const reply = await this.enqueue({ type: 'load', modelId, source, bytes }, source, 'while loading it', this.timeouts().load);
    if (reply.type !== 'loaded') throw new Error(`the ONNX runner answered ${reply.type} to load`);
    return reply.info;
  }

  async validate(modelId: string, source: string, test: DatasetSplit, engineLogits?: Float32Array): Promise<OnnxReport> {
    const split = { images: ownBuffer(test.images), labels: ownBuffer(test.labels), count: test.count, rows: test.rows, cols: test.cols };
    const reply = await this.enqueue({ type: 'validate', modelId, test: split, ...(engineLogits ? { engineLogits } : {}) }, source, 'while validating it on the test set', this.timeouts().validate);
    if (reply.type !== 'validated') throw new Error(`the ONNX runner answered ${reply.type} to validate`);
    return reply.report;
  }

  async predict(modelId: string, source: string, pixels: Float32Array): Promise<Float32Array> {
    const reply = await this.enqueue({ type: 'predict', modelId, pixels }, source, 'while classifying an image', this.timeouts().predict);
    if (reply.type !== 'predicted') throw new Error(`the ONNX runner answered ${reply.type} to predict`);
    return reply.probabilities;
  }

  async release(modelId: string): Promise<void> {
    await this.enqueue({ type: 'release', modelId }, modelId, 'while releasing it', this.timeouts().load);
  }

  /** Loads, validates and releases a model: `npm run export -- --check`. */
  async check(bytes: Uint8Array, source: string, test: DatasetSplit, engineLogits?: Float32Array): Promise<OnnxReport> {
    const modelId = `check-${this.nextJob}`;
    await this.load(modelId, bytes, source);
    try {
      return await this.validate(modelId, source, test, engineLogits);
    } finally {
      await this.release(modelId).catch(() => undefined);
    }
  }

  /** Ends the runner and refuses what is queued; the runner cannot be used afterwards. */
  close(): void {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the host is shutting down'));
    this.stop('the host is shutting down');
  }

  private timeouts(): { load: number; validate: number; predict: number } {
    return this.options.timeoutsMs ?? { load: ONNX_LIMITS.loadTimeoutMs, validate: ONNX_LIMITS.validateTimeoutMs, predict: ONNX_LIMITS.predictTimeoutMs };
  }

  private enqueue(command: JobCommand, source: string, doing: string, timeoutMs: number): Promise<RunnerReply> {
    if (this.closed) return Promise.reject(new Error('the host is shutting down'));
    const pending = this.queue.length + (this.running ? 1 : 0);
    const max = this.options.maxQueuedJobs ?? ONNX_LIMITS.maxQueuedJobs;
    // A release only frees memory, and there is at most one per imported model: it always queues.
    if (pending >= max && command.type !== 'release') return Promise.reject(new OnnxRunnerBusyError(`the ONNX runner has ${pending} jobs waiting, the most a host queues: try again when they are done`));
    return new Promise((resolve, reject) => {
      this.queue.push({ command, source, doing, timeoutMs, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const job = this.queue.shift();
    if (!job) {
      // Idle with nothing loaded: let the runner go; the next job starts a fresh one.
      if (this.loaded.size === 0) this.stop('idle');
      return;
    }
    const { command } = job;
    // A model the runner no longer holds (it died since): nothing to run it on.
    if (command.type !== 'load' && !this.loaded.has(command.modelId)) {
      if (command.type === 'release') job.resolve({ type: 'released', jobId: 0 });
      else job.reject(new OnnxModelError(`${job.source}: it is no longer loaded (the ONNX runner stopped): import it again`));
      this.pump();
      return;
    }
    let runner: RunnerProcess;
    try {
      runner = this.current ?? this.spawn();
    } catch (error) {
      // fork() throws for some failures (too many open files): this job fails, the host goes on.
      job.reject(new OnnxModelError(`${job.source}: the ONNX runner could not start (${(error as Error).message})`));
      this.pump();
      return;
    }
    const jobId = this.nextJob++;
    const cancelTimer = this.timer(job.timeoutMs, () => {
      if (this.running?.jobId === jobId) this.stop(`onnxruntime took longer than ${job.timeoutMs / 1000} s ${job.doing}; the ONNX runner was stopped`);
    });
    this.running = { job, jobId, cancelTimer };
    if (command.type === 'load') this.loaded.add(command.modelId);
    runner.child.send({ ...command, jobId }, (error) => {
      if (error && this.current === runner && this.running?.jobId === jobId) this.stop(`the ONNX runner could not be reached (${error.message})`);
    });
  }

  private spawn(): RunnerProcess {
    const settings: RunnerSettings = { memoryCapBytes: this.memoryCapBytes, watchdogIntervalMs: 5 };
    const heap = this.options.heapMegabytes ?? 1024;
    const child = fork(this.entry.file, [JSON.stringify(settings)], {
      execArgv: [...this.entry.execArgv, `--max-old-space-size=${heap}`],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
      // Under Electron, process.execPath is the app: this makes it run the script as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    const runner: RunnerProcess = { child, lastWords: '' };
    this.current = runner;
    const report = child.stdio[RUNNER_REPORT_FD];
    report?.on('data', (chunk: Buffer) => {
      if (runner.lastWords.length < 1024) runner.lastWords += chunk.toString('utf8');
    });
    // A broken pipe to a dying runner is part of its death, which 'close' reports.
    report?.on('error', () => undefined);
    child.on('message', (message: unknown) => this.received(runner, message));
    child.on('error', (error) => {
      if (child.pid === undefined) this.detach(runner, `the ONNX runner could not start (${error.message})`);
    });
    child.on('close', (code, signal) => this.detach(runner, deathReason(runner, code, signal, this.memoryCapBytes)));
    return runner;
  }

  private received(runner: RunnerProcess, message: unknown): void {
    if (runner !== this.current) return;
    const parsed = runnerReplySchema.safeParse(message);
    const running = this.running;
    if (!parsed.success || !running || parsed.data.jobId !== running.jobId) {
      this.stop('the ONNX runner sent a message out of turn');
      return;
    }
    running.cancelTimer();
    this.running = undefined;
    const reply = parsed.data;
    const { command } = running.job;
    if (reply.type === 'failed') {
      if (command.type === 'load') this.loaded.delete(command.modelId);
      running.job.reject(new OnnxModelError(reply.refused ? reply.message : `${running.job.source}: ${reply.message}`));
    } else {
      if (command.type === 'release') this.loaded.delete(command.modelId);
      running.job.resolve(reply);
    }
    this.pump();
  }

  /** Kills the runner; the job it was running fails with `reason`, and its models are lost. */
  private stop(reason: string): void {
    const runner = this.current;
    if (!runner) return;
    runner.child.kill('SIGKILL');
    this.detach(runner, reason);
  }

  /** Forgets a runner that died or was killed: its job fails with the reason, its models are reported lost. */
  private detach(runner: RunnerProcess, reason: string): void {
    if (runner !== this.current) return;
    this.current = undefined;
    const lost = [...this.loaded];
    this.loaded.clear();
    const running = this.running;
    this.running = undefined;
    if (running) {
      running.cancelTimer();
      running.job.reject(new OnnxModelError(`${running.job.source}: ${reason}`));
    }
    if (lost.length) for (const listener of this.lostListeners) listener(lost, reason);
    this.pump();
  }
}

/**
 * The array itself, or a copy when it is a view into a larger buffer: IPC's structured clone sends a view's
 * whole underlying buffer.
 */
function ownBuffer(array: Uint8Array): Uint8Array {
  return array.byteOffset === 0 && array.byteLength === array.buffer.byteLength ? array : array.slice();
}

interface RunnerProcess {
  readonly child: ChildProcess;
  /** What the runner's watchdog wrote before it ended the process. */
  lastWords: string;
}

function deathReason(runner: RunnerProcess, code: number | null, signal: NodeJS.Signals | null, memoryCapBytes: number): string {
  let words: unknown;
  try {
    words = JSON.parse(runner.lastWords.split('\n')[0] ?? '');
  } catch {
    words = undefined;
  }
  const report = watchdogReportSchema.safeParse(words);
  if (report.success) return `the ONNX runner used ${formatBytes(report.data.memoryExceeded)}, over its memory cap of ${formatBytes(memoryCapBytes)}, and was stopped`;
  return `the ONNX runner stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`;
}
