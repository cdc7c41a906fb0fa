import type { DType } from '../../src-engine/backend';

/**
 * Weights checkpoint file format (little-endian):
 *
 *   bytes 0-7   magic "BPWCKPT1"
 *   bytes 8-11  uint32 byte length H of the JSON header
 *   12..12+H    UTF-8 JSON header: { formatVersion, dtype, tensors: [{ name, shape, offset, length }], meta }
 *   then        zero padding to a multiple of 8, then the tensors' raw float32/float64 values back to back,
 *               each at `offset` bytes from the start of this data block
 *
 * The header is checked whole against the file's size before anything is allocated from it: a damaged or
 * hostile file is refused with what is wrong, never read past its end, and never sizes an allocation.
 */
export const CHECKPOINT_MAGIC = 'BPWCKPT1';
export const CHECKPOINT_FORMAT_VERSION = 1;
export const PREAMBLE_BYTES = 12;
/**
 * The header holds the meta, whose largest part is the training set's shuffled order (up to 8 bytes per
 * sample: two million samples). The writer refuses a larger one, so every checkpoint written can be read.
 */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;
/** A network of 32 hidden layers with batch normalisation and Adam has a few hundred tensors. */
const MAX_TENSORS = 4096;
/**
 * Objects and arrays a header may hold: one of each per tensor, a few in the meta. Counted on the raw bytes
 * before parsing (brackets inside strings only add to the count), so a header of a million tiny objects is
 * refused without building them.
 */
const MAX_STRUCTURES = 2 * MAX_TENSORS + 64;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const MAX_RANK = 8;
const TENSOR_NAME = /^[A-Za-z][A-Za-z0-9_.]{0,199}$/;

interface TensorEntry {
  readonly name: string;
  readonly shape: number[];
  readonly offset: number;
  readonly length: number;
}

export interface CheckpointHeader {
  readonly formatVersion: number;
  readonly dtype: DType;
  readonly tensors: readonly TensorEntry[];
  /** Anything JSON the caller needs to resume (iteration, RNG state, ...). */
  readonly meta: Record<string, unknown>;
}

/** A checked header, with where the data starts; `dataStart + dataBytes` is the file's exact size. */
export interface CheckpointLayout {
  readonly header: CheckpointHeader;
  readonly dataStart: number;
  readonly dataBytes: number;
  readonly itemSize: number;
}

class CheckpointError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'CheckpointError';
  }
}

export function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** The header's byte length from the first 12 bytes, checked against the file's size. */
export function headerLengthOf(preamble: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < PREAMBLE_BYTES || preamble.length < PREAMBLE_BYTES || new TextDecoder().decode(preamble.subarray(0, 8)) !== CHECKPOINT_MAGIC) {
    throw new CheckpointError(file, 'not a Backprop Workbench checkpoint (bad magic)');
  }
  const length = new DataView(preamble.buffer, preamble.byteOffset, PREAMBLE_BYTES).getUint32(8, true);
  if (length > MAX_HEADER_BYTES) throw new CheckpointError(file, `the header claims ${length} bytes (at most ${MAX_HEADER_BYTES})`);
  if (PREAMBLE_BYTES + length > fileSize) throw new CheckpointError(file, 'truncated header');
  return length;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function tensorEntry(value: unknown, index: number, file: string): TensorEntry {
  const bad = (problem: string): CheckpointError => new CheckpointError(file, `tensor ${index + 1} of the header: ${problem}`);
  if (!isObject(value)) throw bad('not an object');
  const { name, shape, offset, length } = value;
  if (typeof name !== 'string' || !TENSOR_NAME.test(name)) throw bad('name should be letters, digits, "_" or "." (at most 200)');
  if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every(isCount)) throw bad(`${name}: shape should be at most ${MAX_RANK} non-negative integers`);
  if (!isCount(length) || !isCount(offset)) throw bad(`${name}: offset and length should be non-negative integers`);
  let size = 1;
  for (const dimension of shape) {
    size *= dimension;
    if (size > Number.MAX_SAFE_INTEGER) throw bad(`${name}: shape [${shape.join(', ')}] is too large`);
  }
  if (size !== length) throw bad(`${name}: shape [${shape.join(', ')}] holds ${size} values, length says ${length}`);
  return { name, shape: [...shape], offset, length };
}

/** Parses and checks the header: every field, every tensor's place against the file's exact size. */
export function parseHeader(json: Uint8Array, fileSize: number, file: string): CheckpointLayout {
  let structures = 0;
  for (const byte of json) if (byte === OPEN_BRACE || byte === OPEN_BRACKET) structures++;
  if (structures > MAX_STRUCTURES) throw new CheckpointError(file, `the header holds ${structures} objects and lists (at most ${MAX_STRUCTURES})`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch {
    throw new CheckpointError(file, 'the header is not valid JSON');
  }
  if (!isObject(value)) throw new CheckpointError(file, 'the header is not a JSON object');
  const { formatVersion, dtype, tensors, meta } = value;
  if (typeof formatVersion !== 'number' || !Number.isInteger(formatVersion) || formatVersion < 1) throw new CheckpointError(file, 'formatVersion should be a positive integer');
  if (formatVersion > CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointError(file, `format version ${formatVersion} is newer than this app supports (${CHECKPOINT_FORMAT_VERSION})`);
  }
  if (dtype !== 'float32' && dtype !== 'float64') throw new CheckpointError(file, `unknown dtype ${JSON.stringify(dtype)?.slice(0, 40)}`);
  if (!Array.isArray(tensors)) throw new CheckpointError(file, 'tensors should be a list');
  if (tensors.length > MAX_TENSORS) throw new CheckpointError(file, `${tensors.length} tensors (at most ${MAX_TENSORS})`);
  if (!isObject(meta)) throw new CheckpointError(file, 'meta should be a JSON object');
  const itemSize = dtype === 'float64' ? 8 : 4;
  const dataStart = align8(PREAMBLE_BYTES + json.length);
  const names = new Set<string>();
  let dataBytes = 0;
  const entries = tensors.map((raw: unknown, index) => {
    const entry = tensorEntry(raw, index, file);
    if (names.has(entry.name)) throw new CheckpointError(file, `tensor ${entry.name} appears twice`);
    names.add(entry.name);
    // The writer puts tensors back to back in order: any other layout is damage.
    if (entry.offset !== dataBytes) throw new CheckpointError(file, `tensor ${entry.name} is at offset ${entry.offset}, expected ${dataBytes}`);
    dataBytes += entry.length * itemSize;
    if (dataStart + dataBytes > fileSize) throw new CheckpointError(file, `truncated: tensor ${entry.name} runs past the end of the file`);
    return entry;
  });
  if (dataStart + dataBytes !== fileSize) throw new CheckpointError(file, `${fileSize - dataStart - dataBytes} bytes after the last tensor`);
  return { header: { formatVersion, dtype, tensors: entries, meta }, dataStart, dataBytes, itemSize };
}
