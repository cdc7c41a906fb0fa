import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** A network config is a few hundred bytes; anything past this is not one. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/**
 * Reads a small text file (a config the user picked, the window state), bounded before reading: a regular
 * file of at most maxBytes. Opened without blocking, so a FIFO does not hang the main process; a device
 * (/dev/zero) or a file that grows past the limit while it is read is refused rather than read without end.
 * `what` names the file's purpose in the refusal.
 */
export async function readSmallTextFile(path: string, maxBytes: number, what: string): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new Error(`${path} is not a regular file, so not ${what}`);
    const tooBig = new Error(`${path} is larger than ${Math.round(maxBytes / 1024)} KB, so not ${what}`);
    if (stats.size > maxBytes) throw tooBig;
    // Room for one byte more than allowed: a file that grew past the limit since fstat is still refused.
    const buffer = Buffer.alloc(maxBytes + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled === buffer.length) throw tooBig;
    }
    return buffer.subarray(0, filled).toString('utf8');
  } finally {
    await handle.close();
  }
}
