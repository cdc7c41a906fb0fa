import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { safeParseTrainConfig, type ParseResult, type TrainConfig } from '../../src-shared/config';
import { errorMessage } from '../../src-shared/error-message';
import { RESUMABLE_STATUSES, type ResumeCheck, type RunRecord } from '../../src-shared/run-record';
import { readCheckpointHeader } from './checkpoint';
import { checkCheckpointFits } from './checkpoint-fit';
import { CHECKPOINT_FILE } from './run-layout';

/**
 * Whether a stopped, interrupted or failed run can continue: its config is still one this version trains, its
 * dataset folder is there, and its checkpoint's header and meta are whole and fit the network. Only the
 * header is read, and what it says is kept until the checkpoint file or the config changes, so listing many
 * runs stays cheap.
 */
const cache = new Map<string, { readonly key: string; readonly problem: string | undefined }>();

/**
 * A stored config validated, and its text for the cache key, once per config object: listing again hands back
 * the records it already read (see RunListingCache), so thousands of runs are not validated on every listing.
 */
const configChecks = new WeakMap<object, { readonly parsed: ParseResult; readonly text: string }>();

function checkConfig(config: RunRecord['config']): { readonly parsed: ParseResult; readonly text: string } {
  let known = configChecks.get(config);
  if (!known) {
    known = { parsed: safeParseTrainConfig(config), text: JSON.stringify(config) };
    configChecks.set(config, known);
  }
  return known;
}

/** What is wrong with the run's checkpoint for this config (`text` is its JSON), or undefined when it fits. */
async function checkpointProblem(directory: string, config: TrainConfig, text: string): Promise<string | undefined> {
  const file = join(directory, CHECKPOINT_FILE);
  const info = await stat(file).catch(() => undefined);
  const key = `${info ? `${info.ino}:${info.size}:${info.mtimeMs}` : 'none'}:${text}`;
  const cached = cache.get(directory);
  if (cached?.key === key) return cached.problem;
  let problem: string | undefined;
  try {
    const { header } = await readCheckpointHeader(file);
    checkCheckpointFits(header, config);
  } catch (error) {
    problem = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it has no checkpoint: it ended before its first evaluation' : `its checkpoint cannot be used: ${errorMessage(error)}`;
  }
  cache.set(directory, { key, problem });
  return problem;
}

/** The check for a run in a resumable status; undefined for the others. */
export async function resumeCheck(directory: string, record: RunRecord): Promise<ResumeCheck | undefined> {
  if (!RESUMABLE_STATUSES.includes(record.status)) return undefined;
  const no = (reason: string): ResumeCheck => ({ possible: false, reason });
  const { parsed, text } = checkConfig(record.config);
  if (!parsed.ok) {
    const issue = parsed.issues[0];
    return no(`its config is no longer valid (${issue ? `${issue.field}: ${issue.message}` : 'unknown problem'})`);
  }
  const { config } = parsed;
  if (config.dataset.kind === 'idx') {
    const folder = await stat(config.dataset.path).catch(() => undefined);
    if (!folder?.isDirectory()) return no(`its dataset folder ${config.dataset.path} is gone`);
  }
  const problem = await checkpointProblem(directory, config, text);
  return problem ? no(problem) : { possible: true };
}

export function forgetResumeCheck(directory: string): void {
  cache.delete(directory);
}
