import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { DType } from '../../src-engine/backend';
import { Tensor } from '../../src-engine/tensor';

/**
 * Weights checkpoint file format (little-endian):
 *
 *   bytes 0-7   magic "BPWCKPT1"
 *   bytes 8-11  uint32 byte length H of the JSON header
 *   12..12+H    UTF-8 JSON header: { formatVersion, dtype, tensors: [{ name, shape, offset, length }], meta }
 *   then        zero padding to a multiple of 8, then the tensors' raw float32/float64 values back to back,
 *               each at `offset` bytes from the start of this data block
 *
 * Written to a temporary file, flushed, then renamed over the old one, so a crash leaves either the previous
 * checkpoint or the new one, never a torn file.
 */
export const CHECKPOINT_MAGIC = 'BPWCKPT1';
export const CHECKPOINT_FORMAT_VERSION = 1;

export interface CheckpointHeader {
  readonly formatVersion: number;
  readonly dtype: DType;
  readonly tensors: ReadonlyArray<{ name: string; shape: number[]; offset: number; length: number }>;
  /** Anything JSON the caller needs to resume (iteration, RNG state, ...). */
  readonly meta: Record<string, unknown>;
}

export interface Checkpoint {
  readonly dtype: DType;
  readonly tensors: Record<string, Tensor>;
  readonly meta: Record<string, unknown>;
}

export class CheckpointError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'CheckpointError';
  }
}

export function encodeCheckpoint(tensors: Readonly<Record<string, Tensor>>, meta: Record<string, unknown>): Uint8Array {
  const entries = Object.entries(tensors);
  const dtype: DType = entries[0]?.[1].dtype ?? 'float32';
  const itemSize = dtype === 'float64' ? 8 : 4;
  let offset = 0;
  const described = entries.map(([name, tensor]) => {
    if (tensor.dtype !== dtype) throw new TypeError(`checkpoint: tensor ${name} is ${tensor.dtype}, others are ${dtype}`);
    const entry = { name, shape: [...tensor.shape], offset, length: tensor.size };
    offset += tensor.size * itemSize;
    return entry;
  });
  const header: CheckpointHeader = { formatVersion: CHECKPOINT_FORMAT_VERSION, dtype, tensors: described, meta };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align8(12 + json.length);
  const bytes = new Uint8Array(dataStart + offset);
  bytes.set(new TextEncoder().encode(CHECKPOINT_MAGIC), 0);
  new DataView(bytes.buffer).setUint32(8, json.length, true);
  bytes.set(json, 12);
  for (const [i, [, tensor]] of entries.entries()) {
    const raw = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    bytes.set(raw, dataStart + described[i].offset);
  }
  return bytes;
}

export function decodeCheckpoint(bytes: Uint8Array, file: string): Checkpoint {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== CHECKPOINT_MAGIC) {
    throw new CheckpointError(file, 'not a Backprop Workbench checkpoint (bad magic)');
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  if (12 + headerLength > bytes.length) throw new CheckpointError(file, 'truncated header');
  let header: CheckpointHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as CheckpointHeader;
  } catch {
    throw new CheckpointError(file, 'the header is not valid JSON');
  }
  if (header.formatVersion > CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointError(file, `format version ${header.formatVersion} is newer than this app supports (${CHECKPOINT_FORMAT_VERSION})`);
  }
  if (header.dtype !== 'float32' && header.dtype !== 'float64') throw new CheckpointError(file, `unknown dtype ${String(header.dtype)}`);
  const itemSize = header.dtype === 'float64' ? 8 : 4;
  const dataStart = align8(12 + headerLength);
  const tensors: Record<string, Tensor> = {};
  for (const entry of header.tensors) {
    const start = dataStart + entry.offset;
    const end = start + entry.length * itemSize;
    if (end > bytes.length) throw new CheckpointError(file, `truncated: tensor ${entry.name} runs past the end of the file`);
    // Copy out so the tensor is aligned and independent of the file buffer.
    const raw = bytes.slice(start, end);
    const data = header.dtype === 'float64' ? new Float64Array(raw.buffer) : new Float32Array(raw.buffer);
    tensors[entry.name] = new Tensor(data, entry.shape);
  }
  return { dtype: header.dtype, tensors, meta: header.meta ?? {} };
}

/** Synchronous on purpose: the trainer process calls it between updates, and a crash must find a whole file. */
export function writeCheckpointAtomic(file: string, tensors: Readonly<Record<string, Tensor>>, meta: Record<string, unknown>): void {
  const temporary = `${file}.tmp-${process.pid}`;
  const fd = openSync(temporary, 'w');
  try {
    const bytes = encodeCheckpoint(tensors, meta);
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

export async function readCheckpoint(file: string): Promise<Checkpoint> {
  return decodeCheckpoint(new Uint8Array(await readFile(file)), file);
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
