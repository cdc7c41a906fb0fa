import type { FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { FileRefusal, openRegularFile, readFully } from '../limits/bounded-file';

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

/**
 * The most data one IDX file may declare (1 GiB; MNIST's training images are 47 MB). The reader allocates
 * only what a header declares within this bound, and reads or decompresses no more than that.
 */
const MAX_IDX_DATA_BYTES = 2 ** 30;
/** The largest header: magic, then at most 4 dimensions of 4 bytes. */
const MAX_HEADER_BYTES = 4 + 4 * 4;
/** A gzip of incompressible data is slightly larger than the data: the most a compressed file may hold. */
const MAX_FILE_BYTES = MAX_IDX_DATA_BYTES + MAX_HEADER_BYTES + 2 ** 24;

const TYPE_NAMES: Record<number, string> = { 0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

interface IdxHeader {
  readonly dims: number[];
  readonly headerLength: number;
  /** Bytes of data the dimensions declare. */
  readonly dataLength: number;
}

/**
 * Reads an IDX header: big-endian magic 0x00 0x00 <type> <ndims>, one uint32 per dimension. Only unsigned
 * bytes are supported (MNIST and Fashion-MNIST use nothing else). Returns undefined while `bytes` is too short
 * to hold the whole header and `more` data may follow.
 */
function parseHeader(bytes: Uint8Array, file: string, more: boolean): IdxHeader | undefined {
  if (bytes.length < 4) {
    if (more) return undefined;
    throw new DatasetError(file, `truncated: ${bytes.length} bytes is too short for an IDX header`);
  }
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
  if (bytes.length < headerLength) {
    if (more) return undefined;
    throw new DatasetError(file, `truncated: the header needs ${headerLength} bytes, the file holds ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d, false));
  // Up to four factors below 2^32: exact enough in a double to compare with the bound.
  const dataLength = dims.reduce((a, b) => a * b, 1);
  if (dataLength > MAX_IDX_DATA_BYTES) {
    throw new DatasetError(file, `the header declares ${dims.join('x')} = ${dataLength} bytes of data; a dataset file may hold at most ${MAX_IDX_DATA_BYTES} (1 GiB)`);
  }
  return { dims, headerLength, dataLength };
}

function lengthMismatch(header: IdxHeader, actual: number, file: string): DatasetError {
  const { dims, dataLength } = header;
  if (actual < dataLength) return new DatasetError(file, `truncated: the header says ${dims.join('x')} (${dataLength} bytes of data) but the file holds ${actual}`);
  return new DatasetError(file, `${actual - dataLength} unexpected bytes after the ${dims.join('x')} data declared by the header`);
}

/**
 * Parses an (uncompressed) IDX file held in memory. The length must match the header exactly, so truncation
 * and trailing garbage are both caught.
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const header = parseHeader(bytes, file, false)!;
  const actual = bytes.length - header.headerLength;
  if (actual !== header.dataLength) throw lengthMismatch(header, actual, file);
  return { dims: header.dims, data: bytes.subarray(header.headerLength) };
}

/** The file opened as a regular file of bounded size, its refusals as dataset errors. */
async function openDatasetFile(path: string): Promise<{ handle: FileHandle; size: number }> {
  try {
    return await openRegularFile(path, MAX_FILE_BYTES, `${MAX_IDX_DATA_BYTES} bytes of data (1 GiB)`);
  } catch (error) {
    if (error instanceof FileRefusal) throw new DatasetError(path, error.problem);
    throw error;
  }
}

async function readRaw(handle: FileHandle, size: number, head: Uint8Array, path: string): Promise<IdxArray> {
  const header = parseHeader(head, path, false)!;
  const actual = size - header.headerLength;
  if (actual !== header.dataLength) throw lengthMismatch(header, actual, path);
  const data = new Uint8Array(header.dataLength);
  const read = await readFully(handle, data, header.headerLength);
  if (read !== data.length) throw lengthMismatch(header, read, path);
  return { dims: header.dims, data };
}

/**
 * Decompresses chunk by chunk: the header comes first, then the data goes into a buffer of exactly the size it
 * declares, and the stream is abandoned as soon as it yields more (a gzip bomb stops at the declared size).
 */
async function readGzip(handle: FileHandle, path: string): Promise<IdxArray> {
  let headBytes = new Uint8Array(0);
  let header: IdxHeader | undefined;
  let data: Uint8Array | undefined;
  let written = 0;
  // pipeline() reports its own abort when the sink throws: the sink's refusal is kept to be thrown instead.
  let refusal: DatasetError | undefined;
  const take = (chunk: Uint8Array): void => {
    let rest = chunk;
    if (!header) {
      // MAX_HEADER_BYTES always hold a whole header: with fewer, the chunk is used up.
      const taken = Math.min(rest.length, MAX_HEADER_BYTES - headBytes.length);
      const joined = new Uint8Array(headBytes.length + taken);
      joined.set(headBytes);
      joined.set(rest.subarray(0, taken), headBytes.length);
      header = parseHeader(joined, path, true);
      if (!header) {
        headBytes = joined;
        return;
      }
      rest = rest.subarray(header.headerLength - headBytes.length);
      data = new Uint8Array(header.dataLength);
    }
    if (written + rest.length > header.dataLength || !data) {
      throw new DatasetError(path, `decompresses to more than the ${header.dims.join('x')} (${header.dataLength} bytes) its header declares; reading stopped there`);
    }
    data.set(rest, written);
    written += rest.length;
  };
  try {
    await pipeline(handle.createReadStream({ start: 0, autoClose: false }), createGunzip(), async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) {
        try {
          take(chunk);
        } catch (error) {
          if (error instanceof DatasetError) refusal = error;
          throw error;
        }
      }
    });
  } catch (error) {
    if (refusal) throw refusal;
    const reason = (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' ? 'truncated gzip stream' : `corrupt gzip data (${(error as Error).message})`;
    throw new DatasetError(path, reason);
  }
  header ??= parseHeader(headBytes, path, false)!;
  if (written !== header.dataLength || !data) throw lengthMismatch(header, written, path);
  return { dims: header.dims, data };
}

/** Reads an IDX file, gzip-compressed (detected by its 1f 8b signature) or raw: a regular file, bounded in size. */
export async function readIdxFile(path: string): Promise<IdxArray> {
  const { handle, size } = await openDatasetFile(path);
  try {
    const head = new Uint8Array(Math.min(size, MAX_HEADER_BYTES));
    const got = await readFully(handle, head, 0);
    if (got >= 2 && head[0] === 0x1f && head[1] === 0x8b) return await readGzip(handle, path);
    return await readRaw(handle, size, head.subarray(0, got), path);
  } catch (error) {
    if (error instanceof DatasetError && error.file !== path) throw new DatasetError(path, error.problem);
    throw error;
  } finally {
    await handle.close();
  }
}

function hex(bytes: Uint8Array, from: number, to: number): string {
  return Array.from(bytes.subarray(from, to), (b) => b.toString(16).padStart(2, '0')).join('');
}
