import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { safeParseTrainConfig } from '../../src-shared/config';
import { errorMessage } from '../../src-shared/error-message';
import { RESUMABLE_STATUSES, type ResumeCheck, type RunRecord } from '../../src-shared/run-record';
import { readCheckpointHeader } from './checkpoint';
import { checkCheckpointFits } from './checkpoint-fit';
import { CHECKPOINT_FILE } from './run-layout';

/**
 * Whether a stopped, interrupted or failed run can continue: its config is still one this version trains, its
 * dataset folder is there, and its checkpoint's header and meta are whole and fit the network. Only the
 * header is read, and the answer is kept until the checkpoint file or the config changes, so listing many runs
 * stays cheap.
 */
const cache = new Map<string, { readonly key: string; readonly check: ResumeCheck }>();

async function uncached(directory: string, record: RunRecord): Promise<ResumeCheck> {
  const no = (reason: string): ResumeCheck => ({ possible: false, reason });
  const parsed = safeParseTrainConfig(record.config);
  if (!parsed.ok) {
    const issue = parsed.issues[0];
    return no(`its config is no longer valid (${issue ? `${issue.field}: ${issue.message}` : 'unknown problem'})`);
  }
  const { config } = parsed;
  if (config.dataset.kind === 'idx') {
    const folder = await stat(config.dataset.path).catch(() => undefined);
    if (!folder?.isDirectory()) return no(`its dataset folder ${config.dataset.path} is gone`);
  }
  try {
    const { header } = await readCheckpointHeader(join(directory, CHECKPOINT_FILE));
    checkCheckpointFits(header, config);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return no('it has no checkpoint: it ended before its first evaluation');
    return no(`its checkpoint cannot be used: ${errorMessage(error)}`);
  }
  return { possible: true };
}

/** The check for a run in a resumable status; undefined for the others. */
export async function resumeCheck(directory: string, record: RunRecord): Promise<ResumeCheck | undefined> {
  if (!RESUMABLE_STATUSES.includes(record.status)) return undefined;
  const info = await stat(join(directory, CHECKPOINT_FILE)).catch(() => undefined);
  const key = `${info ? `${info.ino}:${info.size}:${info.mtimeMs}` : 'none'}:${JSON.stringify(record.config)}`;
  const cached = cache.get(directory);
  if (cached?.key === key) return cached.check;
  const check = await uncached(directory, record);
  cache.set(directory, { key, check });
  return check;
}

export function forgetResumeCheck(directory: string): void {
  cache.delete(directory);
}
