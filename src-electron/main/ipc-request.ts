import { MAX_REQUEST_BYTES, MAX_REQUEST_DEPTH } from '../../src-shared/api';
import type { RequestLimits } from '../../src-shared/request-budget';

/** Values in one request's params: a Draw prediction sends up to 1M pixels (apiRequestSchemas.predict). */
const MAX_IPC_VALUES = 1_100_000;

export interface IpcLimits {
  readonly maxDepth: number;
  readonly maxValues: number;
  readonly maxBytes: number;
}

export const IPC_LIMITS: IpcLimits = { maxDepth: MAX_REQUEST_DEPTH, maxValues: MAX_IPC_VALUES, maxBytes: MAX_REQUEST_BYTES };

/** The desktop window's requests in flight: as many as a browser tab gets from the web host. */
export const IPC_REQUEST_LIMITS: RequestLimits = { perClient: 32, total: 32, totalBytes: 2 * MAX_REQUEST_BYTES };

/** A request fit to serve (with its estimated size, for the request budget), or why not. */
export type IpcRequestCheck = { readonly ok: true; readonly method: string; readonly bytes: number } | { readonly ok: false; readonly error: string };

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function kindOf(value: unknown): string {
  if (typeof value !== 'object' || value === null) return typeof value;
  return Object.prototype.toString.call(value).slice(8, -1);
}

/**
 * The size of a request's params (about: its text, and 8 bytes per other value), or the problem with them.
 * Plain JSON-like data only (what the renderer sends; a structured clone could also carry Maps, Dates, typed
 * arrays, cycles), nested at most maxDepth levels, at most maxValues values and maxBytes of text. Walked with
 * an explicit stack, so no depth overflows it, and stopped at the first limit, so no size makes it slow.
 */
function measureParams(params: unknown, limits: IpcLimits): { readonly bytes: number } | { readonly problem: string } {
  let values = 0;
  let bytes = 0;
  const pending: Array<{ readonly items: readonly unknown[]; readonly depth: number } | { readonly record: Record<string, unknown>; readonly depth: number }> = [];
  // A primitive is counted where it is found; containers wait on the stack.
  const count = (value: unknown, depth: number): string | null => {
    if (++values > limits.maxValues) return `more than ${limits.maxValues} values`;
    if (typeof value === 'string') {
      bytes += value.length;
      return bytes > limits.maxBytes ? `more than ${Math.round(limits.maxBytes / 1048576)} MB of text` : null;
    }
    if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') {
      bytes += 8;
      return null;
    }
    if (typeof value !== 'object') return `a ${typeof value}, which is not JSON data`;
    if (depth > limits.maxDepth) return `nested deeper than ${limits.maxDepth} levels`;
    if (Array.isArray(value)) pending.push({ items: value, depth });
    else if (isPlainObject(value)) pending.push({ record: value, depth });
    else return `a ${kindOf(value)}, which is not JSON data`;
    return null;
  };
  const top = count(params, 1);
  if (top) return { problem: top };
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { depth } = next;
    if ('items' in next) {
      for (const item of next.items) {
        const problem = count(item, depth + 1);
        if (problem) return { problem };
      }
      continue;
    }
    const { record } = next;
    for (const key in record) {
      if (!Object.hasOwn(record, key)) continue;
      bytes += key.length;
      const problem = count(record[key], depth + 1);
      if (problem) return { problem };
    }
  }
  return { bytes };
}

/**
 * Checks an IPC request before any work: the method a short string, the params plain bounded data. The
 * service then validates the params against the method's schema.
 */
export function checkIpcRequest(method: unknown, params: unknown, limits: IpcLimits = IPC_LIMITS): IpcRequestCheck {
  if (typeof method !== 'string' || method.length === 0 || method.length > 100) {
    return { ok: false, error: 'request refused: the method must be a name of 1 to 100 characters' };
  }
  const measured = measureParams(params, limits);
  if ('problem' in measured) return { ok: false, error: `request refused: ${method} params hold ${measured.problem}` };
  return { ok: true, method, bytes: measured.bytes };
}
