import { describe, expect, it } from 'vitest';
import { parseNumberEntry } from './number-entry';

describe('parseNumberEntry', () => {
  it('takes numbers as typed, with spaces and exponents', () => {
    expect(parseNumberEntry(' 1.5 ')).toEqual({ ok: true, value: 1.5 });
    expect(parseNumberEntry('-2e3')).toEqual({ ok: true, value: -2000 });
  });

  it('refuses empty fields and text in plain words', () => {
    expect(parseNumberEntry('')).toEqual({ ok: false, message: 'Enter a number' });
    expect(parseNumberEntry('   ')).toEqual({ ok: false, message: 'Enter a number' });
    expect(parseNumberEntry('abc')).toEqual({ ok: false, message: 'Enter a number (got "abc")' });
    expect(parseNumberEntry('x'.repeat(50))).toEqual({ ok: false, message: `Enter a number (got "${'x'.repeat(20)}…")` });
  });

  it('refuses overflow: Infinity, 1e400, and anything beyond the given magnitude', () => {
    expect(parseNumberEntry('1e400')).toMatchObject({ ok: false, message: expect.stringMatching(/^Too large/) });
    expect(parseNumberEntry('Infinity')).toMatchObject({ ok: false });
    expect(parseNumberEntry('2e9', { magnitude: 1e9 })).toEqual({ ok: false, message: 'Too large: keep it within ±1e9' });
    expect(parseNumberEntry('-1e9', { magnitude: 1e9 })).toEqual({ ok: true, value: -1e9 });
  });

  it('checks whole numbers and bounds', () => {
    expect(parseNumberEntry('2.5', { integer: true })).toEqual({ ok: false, message: 'Must be a whole number' });
    expect(parseNumberEntry('0', { min: 1 })).toEqual({ ok: false, message: 'Must be at least 1' });
    expect(parseNumberEntry('300', { max: 256 })).toEqual({ ok: false, message: 'Must be at most 256' });
  });
});
