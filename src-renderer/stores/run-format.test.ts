import { describe, expect, it } from 'vitest';
import { dateTime, duration, exact, exactPercent, percent, significant } from './run-format';

describe('run table numbers', () => {
  it('writes three significant digits, with an exponent below 0.001 and from a million up', () => {
    expect([0.1, 0.001, 0.00123456, 0.0001, 2.5e-5, 1e-8, 0.0009999, 12.345, 1234.5, 0, -0.0314159, 3e6].map((v) => significant(v))).toEqual([
      '0.1', '0.001', '0.00123', '1e-4', '2.5e-5', '1e-8', '0.001', '12.3', '1230', '0', '-0.0314', '3e6',
    ]);
  });

  it('keeps every digit for the hover text', () => {
    expect(exact(0.0012345678901234)).toBe('0.0012345678901234');
    expect(exact(1e-4)).toBe('0.0001');
    expect(exact(null)).toBe('');
  });

  it('writes accuracies as percentages to three digits, exactly on hover without binary noise', () => {
    expect(percent(0.97123)).toBe('97.1 %');
    expect(percent(0.0998)).toBe('9.98 %');
    expect(percent(1)).toBe('100 %');
    expect(percent(null)).toBe('–');
    expect(exactPercent(0.9712)).toBe('97.12 %');
    expect(exactPercent(0.97123456)).toBe('97.123456 %');
  });

  it('writes dates in the user locale, with seconds on hover, and a dash for none', () => {
    const iso = '2026-11-30T12:34:56.000Z';
    expect(dateTime(iso, 'short')).toBe(new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' }));
    expect(dateTime(iso, 'medium')).toBe(new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }));
    expect([dateTime('', 'short'), dateTime('not a date', 'short')]).toEqual(['–', '–']);
  });

  it('writes durations in seconds, minutes or hours', () => {
    expect([null, 4.2345, 59.99, 125, 3725].map(duration)).toEqual(['–', '4.23 s', '60 s', '2 min 5 s', '1 h 2 min']);
  });
});
