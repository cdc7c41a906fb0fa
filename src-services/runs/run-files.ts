import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
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
