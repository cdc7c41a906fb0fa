import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { ONNX_LIMITS } from '../../src-shared/limits';
import { formatBytes, OnnxModelError } from './model-error';

/**
 * Reads an .onnx file from disk within the size limit: a regular file only (opened without blocking, so a
 * FIFO or a device is refused instead of waited on), its size checked before a byte is read, and no more
 * than that size read even if it grows meanwhile.
 */
export async function readModelFile(path: string, maxBytes: number = ONNX_LIMITS.maxFileBytes): Promise<Uint8Array> {
  // O_NONBLOCK does not exist on Windows, where opening a pipe by path does not block either.
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new OnnxModelError(`${path}: not a regular file`);
    if (stat.size > maxBytes) throw new OnnxModelError(`${path}: the file is ${formatBytes(stat.size)}, larger than the ${formatBytes(maxBytes)} this app reads`);
    const bytes = new Uint8Array(stat.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled !== bytes.length) throw new OnnxModelError(`${path}: the file changed while it was read`);
    return bytes;
  } finally {
    await handle.close();
  }
}
