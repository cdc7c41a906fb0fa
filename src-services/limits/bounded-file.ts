import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';

/**
 * Opening a file a user or a client named, safely: regular files only, checked before opening (a FIFO or a
 * device behind a symlink is refused unopened, so it cannot hang a thread of the pool or stream forever), an
 * open that does not block (O_NONBLOCK: a FIFO swapped in meanwhile), the opened file checked to be the one
 * stat saw, and its size bounded before anything is read.
 */
export class FileRefusal extends Error {
  /** The problem alone, for callers that name the file their own way. */
  readonly problem: string;
  /**
   * Why, as a code: the system's when the file could not be reached (ENOENT, EACCES, ...), EINVAL for a file
   * that is not a regular one, EFBIG for one over the limit, EAGAIN for one that changed while it was read.
   */
  readonly code: string;
  /** The system could not reach the file (as opposed to a file this app refuses). */
  readonly system: boolean;

  constructor(file: string, problem: string, code: string, system = false) {
    super(`${file}: ${problem}`);
    this.name = 'FileRefusal';
    this.problem = problem;
    this.code = code;
    this.system = system;
  }

  /** What follows "cannot read FILE: " for a user: the system's code (ENOENT, EACCES), else the problem. */
  get reason(): string {
    return this.system ? this.code : this.problem;
  }
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a plain file';
}

/** Why a file could not be reached, from the system's error. */
function unreachable(path: string, error: unknown): FileRefusal {
  const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'EIO';
  return new FileRefusal(path, code === 'ENOENT' ? 'file not found' : `cannot read (${code})`, code, true);
}

/**
 * A regular file of at most `maxBytes`, opened for reading; the caller closes the handle. `limitWords` says the
 * limit in the refusal ("1 GiB", "1024 KB"); a file's own size limit may be Infinity (checkpoints).
 */
export async function openRegularFile(path: string, maxBytes = Infinity, limitWords = `${maxBytes} bytes`): Promise<{ handle: FileHandle; size: number }> {
  let before: Stats;
  try {
    before = await stat(path);
  } catch (error) {
    throw unreachable(path, error);
  }
  if (!before.isFile()) throw new FileRefusal(path, `is ${kindOf(before)}, not a regular file`, 'EINVAL');
  if (before.size > maxBytes) throw new FileRefusal(path, `is ${before.size} bytes, larger than the ${limitWords} this app reads`, 'EFBIG');
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw unreachable(path, error);
  }
  const opened = await handle.stat();
  if (!opened.isFile() || opened.ino !== before.ino || opened.dev !== before.dev || opened.size > maxBytes) {
    await handle.close();
    throw new FileRefusal(path, 'changed while it was being opened; try again', 'EAGAIN');
  }
  return { handle, size: opened.size };
}

/** Reads `target.length` bytes from `position` on; fewer when the file is shorter. */
export async function readFully(handle: FileHandle, target: Uint8Array, position: number): Promise<number> {
  let done = 0;
  while (done < target.length) {
    const { bytesRead } = await handle.read(target, done, target.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** Reads `length` bytes at `position` (into `into` when given), refusing a file that ends first. */
export async function readExactly(handle: FileHandle, length: number, position: number, file: string, into: Uint8Array = new Uint8Array(length)): Promise<Uint8Array> {
  const read = await readFully(handle, into.subarray(0, length), position);
  if (read < length) throw new FileRefusal(file, `ended after ${position + read} bytes, expected ${position + length}`, 'EAGAIN');
  return into;
}

/** A regular file of at most `maxBytes`, read whole (see openRegularFile for `limitWords`). */
export async function readBoundedBytes(path: string, maxBytes: number, limitWords?: string): Promise<Uint8Array> {
  const { handle, size } = await openRegularFile(path, maxBytes, limitWords);
  try {
    // Exactly the size fstat gave: a file that grows meanwhile is not read past it, one that shrinks is refused.
    return await readExactly(handle, size, 0, path);
  } finally {
    await handle.close();
  }
}

/** A small text file (a config, a sweep definition, a run's record or lock): regular, at most `maxBytes`, read whole. */
export async function readBoundedText(path: string, maxBytes: number, limitWords?: string): Promise<string> {
  return new TextDecoder().decode(await readBoundedBytes(path, maxBytes, limitWords));
}

/** Configs and sweep definitions are kilobytes: anything above this is not one. */
export const MAX_CONFIG_FILE_BYTES = 16 * 2 ** 20;
