import { ONNX_LIMITS } from '../../src-shared/limits';
import { FileRefusal, readBoundedBytes } from '../limits/bounded-file';
import { formatBytes, OnnxModelError } from './model-error';

/**
 * Reads an .onnx file from disk within the size limit (a regular file only, its size checked before a byte
 * is read; see bounded-file.ts). A missing file stays a FileRefusal with code ENOENT for the caller to word;
 * any other refusal is an OnnxModelError naming the file and the problem.
 */
export async function readModelFile(path: string, maxBytes: number = ONNX_LIMITS.maxFileBytes): Promise<Uint8Array> {
  try {
    return await readBoundedBytes(path, maxBytes, formatBytes(maxBytes));
  } catch (error) {
    if (error instanceof FileRefusal && error.code !== 'ENOENT') throw new OnnxModelError(error.message);
    throw error;
  }
}
