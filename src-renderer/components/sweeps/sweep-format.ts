import type { RunRecord } from '../../../src-shared/run-record';
import type { SweepTag } from '../../../src-shared/sweep';

/** A value a sweep varies: a number, a word (an optimizer, an activation), a flag or a list (hidden sizes). */
export type ParameterValue = SweepTag['parameters'][string];

/**
 * A number as an axis or a table shows it: 3 significant digits, in 1e-8 notation when it is tiny or huge
 * (a log axis of weight decays reads 1e-8 … 1e-4, not 0.00000001).
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const rounded = Number(value.toPrecision(3));
  const magnitude = Math.abs(rounded);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) {
    const [mantissa, exponent] = rounded.toExponential(2).split('e');
    return `${Number(mantissa)}e${Number(exponent)}`;
  }
  return String(rounded);
}

/** A parameter value as a plain label: no JSON quotes around words, hidden sizes as 100-100. */
export function parameterLabel(value: ParameterValue | undefined): string {
  if (value === undefined) return '–';
  if (typeof value === 'number') return formatNumber(value);
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join('-');
  return String(value);
}

/** The value in full, for a tooltip (the label may round it). */
export const exactValue = (value: ParameterValue | undefined): string => (value === undefined ? '' : Array.isArray(value) ? `[${value.join(', ')}]` : String(value));

export const percent = (value: number | null | undefined): string => (value === null || value === undefined ? '–' : `${(value * 100).toFixed(1)} %`);

/** "#3", the trial's number as the user counts (from 1). */
export const trialLabel = (record: RunRecord): string => `#${(record.sweep?.trial ?? 0) + 1}`;
