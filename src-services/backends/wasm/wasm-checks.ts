import type { FloatArray } from '../../../src-engine/backend';
import { requireDims } from '../../../src-engine/backends/ts/checks';

/*
 * The argument checks of the WebAssembly backend beyond the reference backend's (src-engine/backends/ts/checks.ts,
 * which it also uses): the module takes sizes as int32 and integer arrays by kind, as the addon's args.cc does.
 */

const MAX_DIM = 2147483647;

/** Sizes: non-negative integers below 2^31 (the module's int32). */
export function requireWasmDims(name: string, dims: Record<string, number>): void {
  requireDims(name, dims);
  for (const [key, value] of Object.entries(dims)) {
    if (value > MAX_DIM) throw new RangeError(`${name}: ${key} must be a non-negative integer, got ${value}`);
  }
}

type IntArrayCtor = Int32ArrayConstructor | Uint16ArrayConstructor | Uint8ArrayConstructor;

/** TypeError unless `value` is an array of the kind the kernel reads ("labels must be an Int32Array"). */
export function requireKind(name: string, value: unknown, kind: IntArrayCtor, what: string): void {
  if (!(value instanceof kind)) throw new TypeError(`${name}: ${what} must be ${kind === Int32Array ? 'an' : 'a'} ${kind.name}`);
}

/** 1 for float64 arrays, 0 for float32: the module's dtype flag. */
export function dtypeFlag(a: FloatArray): number {
  return a instanceof Float64Array ? 1 : 0;
}
