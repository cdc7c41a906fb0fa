/**
 * A number typed into a field, checked in plain words before it reaches a store: an empty field or text is
 * "Enter a number", not a silent NaN; a value beyond what the computation can hold is refused, not drawn as
 * Infinity.
 */
export interface NumberLimits {
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
  /** The largest |value| accepted, with what it protects in the message ("keep values within ±1e9"). */
  readonly magnitude?: number;
}

export type NumberEntry = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly message: string };

export function parseNumberEntry(text: string, limits: NumberLimits = {}): NumberEntry {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, message: 'Enter a number' };
  const value = Number(trimmed);
  if (Number.isNaN(value)) return { ok: false, message: `Enter a number (got "${trimmed.length > 20 ? `${trimmed.slice(0, 20)}…` : trimmed}")` };
  if (!Number.isFinite(value) || (limits.magnitude !== undefined && Math.abs(value) > limits.magnitude)) {
    return { ok: false, message: `Too large: keep it within ±${(limits.magnitude ?? Number.MAX_VALUE).toExponential(0).replace('e+', 'e')}` };
  }
  if (limits.integer && !Number.isInteger(value)) return { ok: false, message: 'Must be a whole number' };
  if (limits.min !== undefined && value < limits.min) return { ok: false, message: `Must be at least ${limits.min}` };
  if (limits.max !== undefined && value > limits.max) return { ok: false, message: `Must be at most ${limits.max}` };
  return { ok: true, value };
}
