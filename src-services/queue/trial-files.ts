import type { Redis } from 'ioredis';
import { MAX_TRIAL_CHECKPOINT_BYTES, MAX_TRIAL_METRICS_BYTES } from '../../src-shared/queue';
import { metricsLineSchema } from '../../src-shared/run-record';
import { decodeCheckpoint } from '../runs/checkpoint';
import { trialFilesKey } from './queue-keys';

/**
 * A trial's files on their way from its worker to the coordinator, in one Redis hash per job: the latest
 * checkpoint and the metrics.jsonl written up to it. A worker saves them now and then while it trains (so a
 * worker that takes the trial over after a crash continues from there) and once more when the trial ends,
 * before its job completes; the coordinator reads them then, writes them into its own run store and drops
 * the hash. Both sides check sizes before reading and contents after.
 */
export interface TrialFiles {
  readonly metrics: string;
  readonly checkpoint: Uint8Array | undefined;
}

/** How long an unclaimed hash stays (a sweep abandoned for good does not fill the server). */
const FILES_TTL_SECONDS = 7 * 24 * 3600;

class TrialFilesError extends Error {
  constructor(jobId: string, problem: string) {
    super(`the files sent for trial ${jobId} are refused: ${problem}`);
    this.name = 'TrialFilesError';
  }
}

function checkSizes(jobId: string, metricsBytes: number, checkpointBytes: number): void {
  if (metricsBytes > MAX_TRIAL_METRICS_BYTES) throw new TrialFilesError(jobId, `metrics.jsonl is ${metricsBytes} bytes, over the ${MAX_TRIAL_METRICS_BYTES} allowed`);
  if (checkpointBytes > MAX_TRIAL_CHECKPOINT_BYTES) throw new TrialFilesError(jobId, `checkpoint.bin is ${checkpointBytes} bytes, over the ${MAX_TRIAL_CHECKPOINT_BYTES} allowed`);
}

/** Every line of the metrics must be one the run store writes; the checkpoint must decode. */
function checkContents(jobId: string, files: TrialFiles): void {
  const lines = files.metrics.split('\n');
  if (lines.at(-1) !== '') throw new TrialFilesError(jobId, 'metrics.jsonl does not end with a newline');
  lines.slice(0, -1).forEach((line, index) => {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new TrialFilesError(jobId, `metrics.jsonl line ${index + 1} is not JSON`);
    }
    const parsed = metricsLineSchema.safeParse(json);
    if (!parsed.success) throw new TrialFilesError(jobId, `metrics.jsonl line ${index + 1}: ${parsed.error.issues[0]?.path.join('.') || '(line)'}: ${parsed.error.issues[0]?.message}`);
  });
  if (files.checkpoint) {
    try {
      decodeCheckpoint(files.checkpoint, 'checkpoint.bin');
    } catch (error) {
      throw new TrialFilesError(jobId, error instanceof Error ? error.message : String(error));
    }
  }
}

export async function saveTrialFiles(redis: Redis, jobId: string, files: TrialFiles): Promise<void> {
  checkSizes(jobId, Buffer.byteLength(files.metrics), files.checkpoint?.byteLength ?? 0);
  checkContents(jobId, files);
  const key = trialFilesKey(jobId);
  const fields: Record<string, string | Buffer> = { metrics: files.metrics };
  if (files.checkpoint) fields.checkpoint = Buffer.from(files.checkpoint.buffer, files.checkpoint.byteOffset, files.checkpoint.byteLength);
  // One transaction: a reader sees the old pair or the new one, never a checkpoint with another's metrics.
  const transaction = redis.multi().del(key).hset(key, fields).expire(key, FILES_TTL_SECONDS);
  await transaction.exec();
}

/** The files last saved for the job, checked; undefined when none were. */
export async function readTrialFiles(redis: Redis, jobId: string): Promise<TrialFiles | undefined> {
  const key = trialFilesKey(jobId);
  const [metricsBytes, checkpointBytes] = await Promise.all([redis.hstrlen(key, 'metrics'), redis.hstrlen(key, 'checkpoint')]);
  if (!(await redis.hexists(key, 'metrics'))) return undefined;
  checkSizes(jobId, metricsBytes, checkpointBytes);
  const [metrics, checkpoint] = await redis.hmgetBuffer(key, 'metrics', 'checkpoint');
  const files: TrialFiles = { metrics: (metrics ?? Buffer.alloc(0)).toString('utf8'), checkpoint: checkpoint ? new Uint8Array(checkpoint) : undefined };
  checkContents(jobId, files);
  return files;
}

export async function dropTrialFiles(redis: Redis, jobId: string): Promise<void> {
  await redis.del(trialFilesKey(jobId));
}
