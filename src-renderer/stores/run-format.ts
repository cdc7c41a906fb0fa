/**
 * How the Runs table writes numbers: three significant digits in the cell, the exact value on hover. Below
 * 0.001 (and from a million up) numbers are written with an exponent, always the same way: 1e-4, 2.5e-5.
 */

/** Drops the zeros a fixed number of digits leaves after the point ("0.100" → "0.1", "2.50e-5" → "2.5e-5"). */
function trimZeros(text: string): string {
  const [mantissa = '', exponent] = text.split('e');
  const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
  return exponent === undefined ? trimmed : `${trimmed}e${exponent.replace(/^\+/, '')}`;
}

/** `value` to `digits` significant digits: 0.001, 1e-4, 0.00123, 97.1, 1230, 1.23e6. */
export function significant(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  const rounded = Number(value.toPrecision(digits));
  if (rounded === 0) return '0';
  const magnitude = Math.abs(rounded);
  if (magnitude < 1e-3 || magnitude >= 1e6) return trimZeros(rounded.toExponential(digits - 1));
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(magnitude)));
  return trimZeros(rounded.toFixed(decimals));
}

/** The value as it is stored, for the hover text (the shortest text that reads back as the same number). */
export function exact(value: number | null): string {
  return value === null ? '' : String(value);
}

/** A fraction as a percentage to three significant digits: 0.97123 → "97.1 %". */
export function percent(fraction: number | null): string {
  return fraction === null ? '–' : `${significant(fraction * 100)} %`;
}

/** A fraction as a percentage with every digit it has (and no binary noise): 0.97123 → "97.123 %". */
export function exactPercent(fraction: number | null): string {
  return fraction === null ? '' : `${trimZeros((fraction * 100).toPrecision(15))} %`;
}

/** A duration: "42.3 s", "2 min 5 s", "1 h 3 min". */
export function duration(seconds: number | null): string {
  if (seconds === null) return '–';
  if (seconds < 60) return `${significant(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.floor(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** One formatter per style, made once (making one per call costs more than a table line's other cells). */
const DATE_TIMES = {
  short: new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' }),
  medium: new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' }),
};

/** An ISO time in the user's locale: 'short' for the cell, 'medium' (with seconds) for the hover text. */
export function dateTime(iso: string, style: 'short' | 'medium'): string {
  const date = new Date(iso);
  return iso && !Number.isNaN(date.getTime()) ? DATE_TIMES[style].format(date) : '–';
}
