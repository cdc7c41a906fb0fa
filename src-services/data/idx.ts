import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';

const gunzipAsync = promisify(gunzip);

/** A dataset file that cannot be used, with the file and the problem named for the user. */
export class DatasetError extends Error {
  readonly file: string;
  readonly problem: string;

  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'DatasetError';
    this.file = file;
    this.problem = problem;
  }
}

export interface IdxArray {
  readonly dims: number[];
  readonly data: Uint8Array;
}

const TYPE_NAMES: Record<number, string> = { 0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

/**
 * Parses an (uncompressed) IDX file: big-endian magic 0x00 0x00 <type> <ndims>, one uint32 per dimension,
 * then the values row-major. Only unsigned bytes are supported (MNIST and Fashion-MNIST use nothing else).
 * The length must match the header exactly, so truncation and trailing garbage are both caught.
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) throw new DatasetError(file, `truncated: ${bytes.length} bytes is too short for an IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetError(file, `bad magic number 0x${hex(bytes, 0, 4)}: not an IDX file (the first two bytes must be zero)`);
  }
  const type = bytes[2];
  if (type !== 0x08) {
    const name = TYPE_NAMES[type];
    throw new DatasetError(file, name ? `element type ${name} (0x${type.toString(16)}) is not supported; only unsigned byte (0x08) is` : `bad magic number: unknown element type 0x${type.toString(16)}`);
  }
  const ndims = bytes[3];
  if (ndims < 1 || ndims > 4) throw new DatasetError(file, `bad magic number: ${ndims} dimensions (expected 1 to 4)`);
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) throw new DatasetError(file, `truncated: the header needs ${headerLength} bytes, the file holds ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerLength;
  if (actual < expected) {
    throw new DatasetError(file, `truncated: the header says ${dims.join('x')} (${expected} bytes of data) but the file holds ${actual}`);
  }
  if (actual > expected) {
    throw new DatasetError(file, `${actual - expected} unexpected bytes after the ${dims.join('x')} data declared by the header`);
  }
  return { dims, data: bytes.subarray(headerLength) };
}

/** Reads an IDX file, gzip-compressed (detected by its 1f 8b signature) or raw. */
export async function readIdxFile(path: string): Promise<IdxArray> {
  const label = basename(path);
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatasetError(path, code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? (error as Error).message})`);
  }
  let bytes: Uint8Array = raw;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      bytes = await gunzipAsync(raw);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' ? 'truncated gzip stream' : `corrupt gzip data (${(error as Error).message})`;
      throw new DatasetError(path, reason);
    }
  }
  try {
    return parseIdx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), label);
  } catch (error) {
    if (error instanceof DatasetError) throw new DatasetError(path, error.problem);
    throw error;
  }
}

function hex(bytes: Uint8Array, from: number, to: number): string {
  return Array.from(bytes.subarray(from, to), (b) => b.toString(16).padStart(2, '0')).join('');
}
