import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, constants, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { errorMessage } from '../../src-shared/error-message';

/**
 * The writes that take disk space, as a seam: production writes to disk; a test puts a full disk behind it
 * (see disk-fault.ts). Renames and removals free space or take none, so they are not part of it.
 */
export interface RunFileWriter {
  /** Creates `file`, which must not exist, with `data`, flushed to disk. May leave a partial file when it fails. */
  writeNew(file: string, data: string | Uint8Array): Promise<void>;
}

/** The synchronous writes of a training loop (the trainer process and the CLI write between steps). */
export interface RunFileWriterSync {
  writeNew(file: string, data: string | Uint8Array): void;
  /** Appends to `file` (created if missing); may append part of `data` when it fails. */
  append(file: string, data: string | Uint8Array): void;
}

export const diskWriter: RunFileWriter = {
  async writeNew(file, data) {
    const handle = await open(file, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

export const diskWriterSync: RunFileWriterSync = {
  writeNew(file, data) {
    const fd = openSync(file, 'wx');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },
  append(file, data) {
    appendFileSync(file, data);
  },
};

/** A failed write into a run's folder, saying which file: the reason the run fails with. */
export class RunWriteError extends Error {
  readonly code: string | undefined;

  constructor(file: string, cause: unknown) {
    super(`could not write ${basename(file)}: ${errorMessage(cause)}`, { cause });
    this.name = 'RunWriteError';
    this.code = (cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

let counter = 0;

/**
 * A temporary name next to `file` that no other write uses: this process's pid, a counter and random bits
 * (two writes of one file in one process, or in two processes, never share a temporary file).
 */
export function temporaryName(file: string): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${file}.tmp-${process.pid}-${counter}-${randomBytes(4).toString('hex')}`;
}

/** Temporary files of the run files, in this format or the older `.tmp-PID` one. */
const TEMPORARY = /^(run\.json|metrics\.jsonl|checkpoint\.bin|model\.onnx|run\.lock)\.tmp-[0-9a-f-]+$/;

function isTemporaryFile(name: string): boolean {
  return TEMPORARY.test(name);
}

/** Writes `file` through a temporary file and a rename: a crash or a failure leaves the old file or the new one, and no temporary file. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, writer: RunFileWriter = diskWriter): Promise<void> {
  const temporary = temporaryName(file);
  try {
    await writer.writeNew(temporary, data);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new RunWriteError(file, error);
  }
}

export function writeFileAtomicSync(file: string, data: string | Uint8Array, writer: RunFileWriterSync = diskWriterSync): void {
  const temporary = temporaryName(file);
  try {
    writer.writeNew(temporary, data);
    renameSync(temporary, file);
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // the write's own error is the one to report
    }
    throw new RunWriteError(file, error);
  }
}

/** Removes what failed or killed writers left in a run's folder; only its owner may, when nothing writes there. */
export async function sweepTemporaryFiles(directory: string): Promise<string[]> {
  const names = await readdir(directory).catch((): string[] => []);
  const removed: string[] = [];
  for (const name of names.filter(isTemporaryFile)) {
    await rm(join(directory, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Opens a file of a run for reading only if it is a regular file: a FIFO or a device put in a run's folder
 * would block the reader for ever or never end (opened non-blocking, then refused by its type).
 */
export async function openRegularFile(file: string): Promise<{ handle: FileHandle; size: number }> {
  const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw Object.assign(new Error(`${file}: not a regular file`), { code: 'EINVAL' });
    return { handle, size: info.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Reads `length` bytes at `position` (into `into` when given), failing if the file ends first. */
export async function readExactly(handle: FileHandle, length: number, position: number, file: string, into: Uint8Array = new Uint8Array(length)): Promise<Uint8Array> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(into, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`${file}: ended after ${position + done} bytes, expected ${position + length}`);
    done += bytesRead;
  }
  return into;
}

/** A small file of a run (run.json, run.lock) read whole, refused when it is not a regular file or larger than `limit`. */
export async function readSmallFile(file: string, limit: number): Promise<string> {
  const { handle, size } = await openRegularFile(file);
  try {
    if (size > limit) throw Object.assign(new Error(`${file}: ${size} bytes, more than the ${limit} such a file can hold`), { code: 'EFBIG' });
    return Buffer.from(await readExactly(handle, size, 0, file)).toString('utf8');
  } finally {
    await handle.close();
  }
}
