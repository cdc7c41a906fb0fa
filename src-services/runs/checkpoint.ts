import type { DType } from '../../src-engine/backend';
import { Tensor } from '../../src-engine/tensor';
import {
  align8,
  CHECKPOINT_FORMAT_VERSION,
  CHECKPOINT_MAGIC,
  headerLengthOf,
  MAX_HEADER_BYTES,
  parseHeader,
  PREAMBLE_BYTES,
  type CheckpointHeader,
  type CheckpointLayout,
} from './checkpoint-format';
import { openRegularFile, readExactly } from '../limits/bounded-file';
import { writeFileAtomicSync, type RunFileWriterSync } from './run-files';

/** Written to a temporary file, flushed, then renamed over the old one: a crash leaves either checkpoint, never a torn one. */
export interface Checkpoint {
  readonly dtype: DType;
  readonly tensors: Record<string, Tensor>;
  readonly meta: Record<string, unknown>;
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
  if (json.length > MAX_HEADER_BYTES) throw new RangeError(`checkpoint: its header would take ${json.length} bytes (at most ${MAX_HEADER_BYTES}): the training set is too large to save its order`);
  const dataStart = align8(PREAMBLE_BYTES + json.length);
  const bytes = new Uint8Array(dataStart + offset);
  bytes.set(new TextEncoder().encode(CHECKPOINT_MAGIC), 0);
  new DataView(bytes.buffer).setUint32(8, json.length, true);
  bytes.set(json, PREAMBLE_BYTES);
  for (const [i, [, tensor]] of entries.entries()) {
    const raw = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    bytes.set(raw, dataStart + described[i].offset);
  }
  return bytes;
}

function layoutOf(bytes: Uint8Array, file: string): CheckpointLayout {
  const headerLength = headerLengthOf(bytes.subarray(0, PREAMBLE_BYTES), bytes.length, file);
  return parseHeader(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerLength), bytes.length, file);
}

function emptyTensor(dtype: DType, length: number): Float32Array | Float64Array {
  return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
}

/** Decodes a whole checkpoint in memory. Works on any Uint8Array view (a Node Buffer from a pool too): the values are copied out. */
export function decodeCheckpoint(bytes: Uint8Array, file: string): Checkpoint {
  const { header, dataStart, itemSize } = layoutOf(bytes, file);
  const tensors: Record<string, Tensor> = {};
  for (const entry of header.tensors) {
    const data = emptyTensor(header.dtype, entry.length);
    const start = dataStart + entry.offset;
    new Uint8Array(data.buffer).set(bytes.subarray(start, start + entry.length * itemSize));
    tensors[entry.name] = new Tensor(data, entry.shape);
  }
  return { dtype: header.dtype, tensors, meta: header.meta };
}

/** Synchronous on purpose: the trainer process calls it between updates, and a crash must find a whole file. */
export function writeCheckpointAtomic(file: string, tensors: Readonly<Record<string, Tensor>>, meta: Record<string, unknown>, writer?: RunFileWriterSync): void {
  writeFileAtomicSync(file, encodeCheckpoint(tensors, meta), writer);
}

/** Reads and checks only the header (what a listing needs to say whether a run can resume). */
export async function readCheckpointHeader(file: string): Promise<CheckpointLayout> {
  const { handle, size } = await openRegularFile(file);
  try {
    const preamble = await readExactly(handle, PREAMBLE_BYTES, 0, file);
    const headerLength = headerLengthOf(preamble, size, file);
    return parseHeader(await readExactly(handle, headerLength, PREAMBLE_BYTES, file), size, file);
  } finally {
    await handle.close();
  }
}

/** Reads a checkpoint straight into its tensors: the header is checked against the file's size first, so nothing larger than the file is allocated. */
export async function readCheckpoint(file: string): Promise<Checkpoint> {
  const { handle, size } = await openRegularFile(file);
  try {
    const preamble = await readExactly(handle, PREAMBLE_BYTES, 0, file);
    const headerLength = headerLengthOf(preamble, size, file);
    const { header, dataStart, itemSize } = parseHeader(await readExactly(handle, headerLength, PREAMBLE_BYTES, file), size, file);
    const tensors: Record<string, Tensor> = {};
    for (const entry of header.tensors) {
      const data = emptyTensor(header.dtype, entry.length);
      await readExactly(handle, entry.length * itemSize, dataStart + entry.offset, file, new Uint8Array(data.buffer));
      tensors[entry.name] = new Tensor(data, entry.shape);
    }
    return { dtype: header.dtype, tensors, meta: header.meta };
  } finally {
    await handle.close();
  }
}
