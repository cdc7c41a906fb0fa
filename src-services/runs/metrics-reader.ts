import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { MAX_CURVE_ITERATION, type RunCurve, type RunMetrics } from '../../src-shared/api';
import { BucketBuilder } from '../../src-shared/series/buckets';
import { GradientThinning } from '../../src-shared/series/gradient-thinning';
import { totalIterations } from '../../src-engine/training/train-spec';
import { errorMessage } from '../../src-shared/error-message';
import { describeIssues } from '../../src-shared/trainer-protocol';
import { metricsLineSchema, type MetricsLine, type RunRecord, type StoredEvaluation } from '../../src-shared/run-record';
import { RunStoreError } from './run-listing';

/**
 * Reading a run's metrics.jsonl (the charts, tests, anything that reads a run's metrics), bounded before anything is allocated: the file's size, each
 * line's length, and the iterations a line may put losses at (the run's own total, and a hard cap), so a
 * damaged or hostile line (`"start": 100000000`) is refused in words instead of filling memory.
 */
export const MAX_METRICS_FILE_BYTES = 512 * 2 ** 20;
/** A losses line holds at most a second of batch losses (see MetricsWriter): megabytes, not hundreds. */
export const MAX_METRICS_LINE_BYTES = 32 * 2 ** 20;
/** Losses one reply carries at most (a run of 5 million iterations). */
export const MAX_LOSS_POINTS = 5_000_000;
/** Evaluations one reply carries at most (every 25th iteration of the longest run). */
const MAX_EVALUATIONS = 200_000;

const FINISHED = new Set(['completed', 'stopped', 'failed', 'diverged']);

/**
 * The most iterations the run can have recorded: its schedule when the config fixes it, else what it
 * reported, and never more than `cap` (the losses one reply may carry; a curve carries buckets, not losses).
 */
export function iterationBound(record: RunRecord, cap = MAX_LOSS_POINTS): number {
  const { training } = record.config;
  let bound: number | undefined;
  if (training.epochs === undefined || training.trainSubset !== undefined) {
    // With a subset, the schedule on the subset bounds the schedule on any (smaller) training set.
    bound = totalIterations(training, training.trainSubset ?? 0);
  } else if (FINISHED.has(record.status) && record.summary) {
    bound = record.summary.iterations;
  }
  return Math.min(cap, bound ?? cap);
}

/** The complete lines of a file, each at most `maxLine` bytes; a last line without its newline is left out (torn by a crash). */
async function* completeLines(file: string, maxLine: number): AsyncGenerator<string> {
  const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for await (const data of handle.createReadStream({ autoClose: false, highWaterMark: 1 << 16 })) {
      // A stream without an encoding yields Buffers.
      const chunk: Buffer = Buffer.isBuffer(data) ? data : Buffer.from(String(data));
      let from = 0;
      for (let newline = chunk.indexOf(10, from); newline !== -1; newline = chunk.indexOf(10, from)) {
        if (pendingBytes + newline - from > maxLine) throw new RunStoreError(`${file}: a line is longer than ${maxLine} bytes; this is not a metrics file`);
        pending.push(chunk.subarray(from, newline));
        yield Buffer.concat(pending).toString('utf8');
        pending = [];
        pendingBytes = 0;
        from = newline + 1;
      }
      pending.push(chunk.subarray(from));
      pendingBytes += chunk.length - from;
      if (pendingBytes > maxLine) throw new RunStoreError(`${file}: a line is longer than ${maxLine} bytes; this is not a metrics file`);
    }
  } finally {
    await handle.close();
  }
}

/**
 * The run's metrics lines in order, each validated, within the bounds above: losses at most up to
 * `maxIterations`; a torn last line (a crash mid-append) is left out. A missing file has no lines.
 */
export async function* metricsLines(file: string, maxIterations: number): AsyncGenerator<MetricsLine> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new RunStoreError(`${file}: not a regular file`);
    size = info.size;
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return;
    throw error;
  }
  if (size > MAX_METRICS_FILE_BYTES) throw new RunStoreError(`${file}: ${size} bytes is more than a run's metrics may hold (${MAX_METRICS_FILE_BYTES})`);
  let number = 0;
  let evaluations = 0;
  for await (const row of completeLines(file, MAX_METRICS_LINE_BYTES)) {
    number++;
    let line: MetricsLine;
    try {
      const parsed = metricsLineSchema.safeParse(JSON.parse(row));
      if (!parsed.success) throw new Error(describeIssues(parsed.error));
      line = parsed.data;
    } catch (error) {
      throw new RunStoreError(`${file}: line ${number} is not a metrics record (${errorMessage(error).split('\n')[0]})`);
    }
    if (line.type === 'losses') {
      const end = line.start + line.values.length;
      if (end > maxIterations) {
        throw new RunStoreError(`${file}: line ${number} puts losses at iterations ${line.start} to ${end - 1}, past the ${maxIterations} iterations this run's metrics can hold`);
      }
    } else if (++evaluations > MAX_EVALUATIONS) {
      throw new RunStoreError(`${file}: line ${number} is evaluation number ${MAX_EVALUATIONS + 1}; a run's metrics hold at most ${MAX_EVALUATIONS}`);
    }
    yield line;
  }
}

/**
 * Losses by iteration (gaps as null) and evaluations, of at most `maxIterations` iterations; at most
 * MAX_GRADIENT_SAMPLES evaluations (and the last) keep their gradient flow, spread over the run.
 */
export async function readRunMetrics(file: string, maxIterations: number): Promise<RunMetrics> {
  const losses: Array<number | null> = [];
  const evaluations: StoredEvaluation[] = [];
  const thinning = new GradientThinning();
  for await (const line of metricsLines(file, maxIterations)) {
    if (line.type === 'losses') {
      // Holes are filled in order, so the array stays dense (a resumed run rewrites from its checkpoint).
      while (losses.length < line.start) losses.push(null);
      for (const [i, value] of line.values.entries()) losses[line.start + i] = value;
    } else {
      const { type: _type, ...point } = line;
      thinning.push(evaluations, point);
    }
  }
  return { losses, evaluations };
}

/** What a chart asks of a run's curve (see runCurve in src-shared/api.ts). */
export interface CurveRequest {
  readonly from: number;
  readonly to?: number | undefined;
  readonly points: number;
  readonly smoothing: number;
}

/**
 * A run's loss curve in at most `points` min/max buckets, read line by line: memory follows the budget,
 * not the run (a run of any length is answered; the file's size bound still holds). Time stamps are thinned
 * to about `points` by keeping every other one whenever there are twice as many; the evaluations' gradient
 * flow like readRunMetrics's.
 */
export async function readRunCurve(file: string, maxIterations: number, request: CurveRequest): Promise<RunCurve> {
  const builder = new BucketBuilder(request.from, request.to ?? Infinity, request.points, request.smoothing);
  const evaluations: StoredEvaluation[] = [];
  const thinning = new GradientThinning();
  let times: Array<readonly [number, number]> = [];
  for await (const line of metricsLines(file, Math.min(maxIterations, MAX_CURVE_ITERATION))) {
    if (line.type === 'losses') {
      builder.add(line.start, line.values);
      if (line.t !== undefined && line.values.length > 0) times.push([line.start + line.values.length - 1, line.t]);
      if (times.length > 2 * request.points) times = times.filter((_, i) => i % 2 === 1);
    } else {
      const { type: _type, ...point } = line;
      thinning.push(evaluations, point);
    }
  }
  return { iterations: builder.iterations, losses: builder.result(), evaluations, times };
}
