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
  /** The system error code when the file could not be reached (ENOENT, EACCES, ...). */
  readonly code: string | undefined;

  constructor(file: string, problem: string, code?: string) {
    super(`${file}: ${problem}`);
    this.name = 'FileRefusal';
    this.problem = problem;
    this.code = code;
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

/** A regular file of at most `maxBytes`, opened for reading; the caller closes the handle. */
export async function openRegularFile(path: string, maxBytes: number, limitWords = `${maxBytes} bytes`): Promise<{ handle: FileHandle; size: number }> {
  let before: Stats;
  try {
    before = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FileRefusal(path, code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? (error as Error).message})`, code);
  }
  if (!before.isFile()) throw new FileRefusal(path, `is ${kindOf(before)}, not a regular file`);
  if (before.size > maxBytes) throw new FileRefusal(path, `is ${before.size} bytes; at most ${limitWords} are read`);
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FileRefusal(path, `cannot read (${code ?? (error as Error).message})`, code);
  }
  const opened = await handle.stat();
  if (!opened.isFile() || opened.ino !== before.ino || opened.dev !== before.dev || opened.size > maxBytes) {
    await handle.close();
    throw new FileRefusal(path, 'changed while it was being opened; try again');
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

/** A regular file of at most `maxBytes`, read whole. */
async function readBoundedBytes(path: string, maxBytes: number): Promise<Uint8Array> {
  const { handle, size } = await openRegularFile(path, maxBytes);
  try {
    const bytes = new Uint8Array(size);
    const read = await readFully(handle, bytes, 0);
    return bytes.subarray(0, read);
  } finally {
    await handle.close();
  }
}

/** A small text file (a config, a sweep definition): regular, at most `maxBytes`, read whole. */
export async function readBoundedText(path: string, maxBytes: number): Promise<string> {
  return new TextDecoder().decode(await readBoundedBytes(path, maxBytes));
}

/** Configs and sweep definitions are kilobytes: anything above this is not one. */
export const MAX_CONFIG_FILE_BYTES = 16 * 2 ** 20;
