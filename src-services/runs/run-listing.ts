import type { Dirent } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
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

/** Run folders checked at once when their names do not say (a folder a user named holds a run.json or not). */
const FOLDER_CHECKS = 16;

/**
 * The run folders of the root (see isRunFolderName), from one read of the directory: its entries' types say
 * which are real directories (never symlinks), so only folders with names the store did not give need a look
 * inside, a few at a time.
 */
export async function listRunFolders(root: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const named = entries.filter((e) => e.isDirectory() && RUN_ID_PATTERN.test(e.name) && !e.name.startsWith('.')).map((e) => e.name);
  const holdsRecord = new Set<string>();
  const others = named.filter((name) => !GENERATED_ID.test(name));
  let next = 0;
  const checker = async (): Promise<void> => {
    for (let i = next++; i < others.length; i = next++) {
      const name = others[i]!;
      if (await lstat(join(root, name, RUN_FILE)).catch(() => undefined)) holdsRecord.add(name);
    }
  };
  await Promise.all(Array.from({ length: Math.min(FOLDER_CHECKS, others.length) }, checker));
  return named.filter((name) => GENERATED_ID.test(name) || holdsRecord.has(name));
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

/**
 * What listing last read of each run's run.json, by the file's identity (inode, size, times): listing again
 * re-reads and re-validates only the records that changed, which every rewrite does (a new file renamed over
 * the old one). Holds one listing per run folder of the last listing, no more.
 */
export class RunListingCache {
  private entries = new Map<string, { readonly key: string; readonly listing: RunListing }>();

  /** The run's listing, read again only when its run.json is not the file read last time. */
  async read(directory: string, id: string): Promise<RunListing> {
    const info = await stat(join(directory, RUN_FILE)).catch(() => undefined);
    const key = info?.isFile() ? `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}` : undefined;
    const known = this.entries.get(id);
    if (key !== undefined && known?.key === key) return known.listing;
    const listing = await readRunListing(directory, id);
    // A file replaced between the stat and the read is kept under the older key: the next listing reads it again.
    if (key === undefined) this.entries.delete(id);
    else this.entries.set(id, { key, listing });
    return listing;
  }

  /** Forgets the runs no longer listed. */
  keepOnly(ids: readonly string[]): void {
    const listed = new Set(ids);
    for (const id of this.entries.keys()) if (!listed.has(id)) this.entries.delete(id);
  }
}
