import { FileRefusal, readBoundedText } from '../../src-services/limits/bounded-file';

/** A network config is a few hundred bytes; anything past this is not one. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/**
 * Reads a small text file (a config the user picked, the window state), bounded before reading (see
 * bounded-file.ts: a FIFO does not hang the main process, /dev/zero is refused). `what` names the file's
 * purpose in the refusal.
 */
export async function readSmallTextFile(path: string, maxBytes: number, what: string): Promise<string> {
  try {
    return await readBoundedText(path, maxBytes, `${Math.round(maxBytes / 1024)} KB`);
  } catch (error) {
    throw error instanceof FileRefusal ? new Error(`${error.message}, so not ${what}`) : error;
  }
}
