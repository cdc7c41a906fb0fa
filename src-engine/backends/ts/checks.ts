import type { FloatArray } from '../../backend';

/* The argument checks every reference kernel makes: the errors the native backend gives for the same mistakes. */

export function requireLength(name: string, array: ArrayLike<number>, needed: number, what: string): void {
  if (array.length < needed) {
    throw new RangeError(`${name}: ${what} needs ${needed} values, got ${array.length}`);
  }
}

export function requireSameDtype(name: string, ...arrays: FloatArray[]): void {
  const f64 = arrays[0] instanceof Float64Array;
  for (const a of arrays) {
    if (!(a instanceof Float32Array) && !(a instanceof Float64Array)) {
      throw new TypeError(`${name}: expected Float32Array or Float64Array`);
    }
    if (a instanceof Float64Array !== f64) {
      throw new TypeError(`${name}: all arrays must share one dtype (float32 or float64)`);
    }
  }
}

/**
 * RangeError when two views share memory: the outputs the Backend interface does not allow to alias, refused
 * as the native backend refuses them (whole views compared, as there).
 */
export function requireNoOverlap(name: string, a: ArrayBufferView, b: ArrayBufferView, message: string): void {
  const meet = a.buffer === b.buffer && a.byteLength > 0 && b.byteLength > 0 && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
  if (meet) throw new RangeError(`${name}: ${message}`);
}

export function requireDims(name: string, dims: Record<string, number>): void {
  for (const [key, value] of Object.entries(dims)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`${name}: ${key} must be a non-negative integer, got ${value}`);
    }
  }
}
