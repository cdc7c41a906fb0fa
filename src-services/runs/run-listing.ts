import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RUN_FORMAT_VERSION, RUN_ID_PATTERN, runRecordSchema, type RunListing } from '../../src-shared/run-record';
import { readBoundedText } from '../limits/bounded-file';
import { RUN_FILE } from './run-layout';

export class RunStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunStoreError';
  }
}

/** run.json holds a config, a summary and an ONNX report: a few kilobytes. A larger one is damage. */
const MAX_RECORD_BYTES = 1024 * 1024;

/** The ids the store gives new runs: their creation time and 6 random hex digits. */
const GENERATED_ID = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z-[0-9a-f]{6}$/;

/**
 * Whether the entry `name` of the root is a run folder: a real directory (never a symlink) with an id's name
 * (hidden names are the store's own, such as a folder being deleted) that holds a run.json or is named as the
 * store names runs. Anything else in the root (sweep files, other folders) is neither listed nor deleted.
 */
export async function isRunFolderName(root: string, name: string): Promise<boolean> {
  if (!RUN_ID_PATTERN.test(name) || name.startsWith('.')) return false;
  const folder = await lstat(join(root, name)).catch(() => undefined);
  if (!folder?.isDirectory()) return false;
  if (GENERATED_ID.test(name)) return true;
  const record = await lstat(join(root, name, RUN_FILE)).catch(() => undefined);
  return record !== undefined;
}

export async function listRunFolders(root: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const folders: string[] = [];
  for (const name of names) if (await isRunFolderName(root, name)) folders.push(name);
  return folders;
}

const PROBLEMS: Record<string, string> = {
  ENOENT: `${RUN_FILE} is missing`,
  EFBIG: `${RUN_FILE} is larger than a run record can be`,
  EINVAL: `${RUN_FILE} is not a regular file`,
};

/** One run folder read: its record, or what is wrong with it. */
export async function readRunListing(directory: string, id: string): Promise<RunListing> {
  let value: unknown;
  try {
    value = JSON.parse(await readBoundedText(join(directory, RUN_FILE), MAX_RECORD_BYTES));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === undefined ? `${RUN_FILE} is not valid JSON` : (PROBLEMS[code] ?? `${RUN_FILE} cannot be read (${code})`);
    return { kind: 'damaged', id, problem };
  }
  const version = (value as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version > RUN_FORMAT_VERSION) {
    return { kind: 'future-version', id, problem: `written by a newer version (format ${version}; this app reads ${RUN_FORMAT_VERSION})` };
  }
  const parsed = runRecordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'damaged', id, problem: `${RUN_FILE}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
  }
  if (parsed.data.id !== id) return { kind: 'damaged', id, problem: `${RUN_FILE} names another run (${parsed.data.id})` };
  return { kind: 'ok', record: parsed.data };
}
