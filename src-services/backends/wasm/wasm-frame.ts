/**
 * One kernel call's arguments in the WebAssembly module's memory. The engine's arrays live in JavaScript
 * memory, so each call copies the part of every array it reads into one arena in linear memory (the module's
 * `arena`, grown to the largest call seen), runs the kernel there, and copies back what it wrote. Only the
 * values the call's sizes cover travel, and an output the kernel overwrites whole is not copied in.
 *
 * Arrays that share memory keep sharing it: views of one buffer whose byte ranges overlap (an output that may
 * alias its input, as `reluForward(x, x, …)`) are copied as one region, so the kernel sees exactly the
 * aliasing the caller made. Each region keeps its offset modulo 16, so float64 views stay 8-byte aligned.
 */

/** The module's exports this file needs. */
export interface ArenaExports {
  readonly memory: WebAssembly.Memory;
  /** A 64-byte aligned region of at least `bytes` bytes, valid until the next call. */
  arena(bytes: number): number;
}

/** Read only, read and written, or written whole without being read (not copied in). */
export const IN = 1;
export const INOUT = 3;
export const OUT = 2;
type Mode = typeof IN | typeof INOUT | typeof OUT;

/** The kinds of array the kernels take. */
export type KernelArray = Float32Array | Float64Array | Int32Array | Uint16Array | Uint8Array;

const MAX_ARGS = 16;

export class WasmFrame {
  private readonly views: Array<ArrayBufferView | undefined> = new Array<ArrayBufferView | undefined>(MAX_ARGS);
  private readonly start = new Float64Array(MAX_ARGS);
  private readonly end = new Float64Array(MAX_ARGS);
  private readonly modes = new Uint8Array(MAX_ARGS);
  /** The region an argument belongs to: the index of the region's first argument. */
  private readonly region = new Int32Array(MAX_ARGS);
  private readonly regionStart = new Float64Array(MAX_ARGS);
  private readonly regionEnd = new Float64Array(MAX_ARGS);
  private readonly regionMode = new Uint8Array(MAX_ARGS);
  private readonly regionAt = new Int32Array(MAX_ARGS);
  private readonly pointers = new Int32Array(MAX_ARGS);
  private count = 0;
  private bytes: Uint8Array;

  constructor(private readonly exports: ArenaExports) {
    this.bytes = new Uint8Array(exports.memory.buffer);
  }

  /** Starts a call's arguments. */
  begin(): void {
    for (let i = 0; i < this.count; i++) this.views[i] = undefined;
    this.count = 0;
  }

  /** Adds the first `elements` values of `view`; returns its slot for pointer(). */
  add(view: KernelArray, elements: number, mode: Mode): number {
    const slot = this.count++;
    const size = elements * view.BYTES_PER_ELEMENT;
    this.views[slot] = view;
    this.start[slot] = view.byteOffset;
    this.end[slot] = view.byteOffset + size;
    this.modes[slot] = mode;
    return slot;
  }

  /** Reserves `bytes` bytes of the arena that the caller fills through memory() after place(); nothing is copied. */
  reserve(bytes: number): number {
    const slot = this.count++;
    this.views[slot] = undefined;
    this.start[slot] = 0;
    this.end[slot] = bytes;
    this.modes[slot] = 0;
    return slot;
  }

  /** Lays the arguments out in the arena and copies in what the kernel reads. */
  place(): void {
    const count = this.count;
    // Regions: an argument joins the first earlier region of the same buffer its bytes overlap; regions it
    // joins together are merged into the first.
    for (let i = 0; i < count; i++) {
      this.region[i] = i;
      this.regionStart[i] = this.start[i]!;
      this.regionEnd[i] = this.end[i]!;
      this.regionMode[i] = this.modes[i]!;
      const view = this.views[i];
      if (!view || this.end[i] === this.start[i]) continue;
      const buffer = view.buffer;
      let own = i;
      for (let j = 0; j < i; j++) {
        const r = this.region[j]!;
        if (r === own || this.views[j]?.buffer !== buffer || this.end[j] === this.start[j]) continue;
        if (this.regionStart[r]! < this.regionEnd[own]! && this.regionStart[own]! < this.regionEnd[r]!) own = this.merge(own, r, count);
      }
    }
    let total = 0;
    for (let i = 0; i < count; i++) {
      if (this.region[i] !== i) continue;
      total = align16(total) + (this.regionStart[i]! % 16);
      this.regionAt[i] = total;
      total += this.regionEnd[i]! - this.regionStart[i]!;
    }
    const base = this.exports.arena(total);
    this.refresh();
    for (let i = 0; i < count; i++) {
      const r = this.region[i]!;
      this.pointers[i] = base + this.regionAt[r]! + (this.start[i]! - this.regionStart[r]!);
      if (r === i && this.regionMode[i]! & IN && this.regionEnd[i]! > this.regionStart[i]!) {
        const view = this.views[i]!;
        this.bytes.set(new Uint8Array(view.buffer, this.regionStart[i], this.regionEnd[i]! - this.regionStart[i]!), this.pointers[i]! - (this.start[i]! - this.regionStart[i]!));
      }
    }
  }

  /** Where argument `slot` sits in linear memory. */
  pointer(slot: number): number {
    return this.pointers[slot]!;
  }

  /** Copies back every argument the kernel wrote. */
  finish(): void {
    this.refresh();
    for (let i = 0; i < this.count; i++) {
      if (!(this.modes[i]! & OUT) || this.end[i] === this.start[i]) continue;
      const view = this.views[i]!;
      const size = this.end[i]! - this.start[i]!;
      new Uint8Array(view.buffer, this.start[i], size).set(this.bytes.subarray(this.pointers[i], this.pointers[i]! + size));
    }
  }

  /** The memory's current bytes: growing it (the arena, a kernel's own allocation) replaces its buffer. */
  memory(): Uint8Array {
    this.refresh();
    return this.bytes;
  }

  private refresh(): void {
    if (this.bytes.buffer !== this.exports.memory.buffer) this.bytes = new Uint8Array(this.exports.memory.buffer);
  }

  /** Joins two regions into the one that starts at the earlier argument; returns it. */
  private merge(from: number, into: number, count: number): number {
    const a = Math.min(from, into);
    const b = Math.max(from, into);
    this.regionStart[a] = Math.min(this.regionStart[a]!, this.regionStart[b]!);
    this.regionEnd[a] = Math.max(this.regionEnd[a]!, this.regionEnd[b]!);
    this.regionMode[a] = this.regionMode[a]! | this.regionMode[b]!;
    for (let k = 0; k < count; k++) if (this.region[k] === b) this.region[k] = a;
    return a;
  }
}

function align16(n: number): number {
  return (n + 15) & ~15;
}
