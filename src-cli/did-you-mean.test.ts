import { describe, expect, it } from 'vitest';
import { closest, suggestion } from './did-you-mean';

describe('closest', () => {
  const flags = ['--lr', '--hidden', '--iterations', '--epochs', '--batch-size', '--batch-norm'];

  it('finds one typo, a dropped or doubled letter, and two swapped letters', () => {
    expect(closest('--hiden', flags)).toBe('--hidden');
    expect(closest('--lrr', flags)).toBe('--lr');
    expect(closest('--epcohs', flags)).toBe('--epochs');
    expect(closest('--BATCH-SIZE', flags)).toBe('--batch-size');
  });

  it('takes an unambiguous prefix, and suggests nothing for a far or ambiguous word', () => {
    expect(closest('--iter', flags)).toBe('--iterations');
    expect(closest('--batch', flags)).toBeUndefined();
    expect(closest('--frobnicate', flags)).toBeUndefined();
    // Short words allow one edit only: "ab" is not "lr".
    expect(closest('ab', ['lr'])).toBeUndefined();
  });

  it('words the suggestion', () => {
    expect(suggestion('adamm', ['sgd', 'adam'])).toBe(' (did you mean adam?)');
    expect(suggestion('lr', ['lr'], (w) => `--${w}`)).toBe(' (did you mean --lr?)');
    expect(suggestion('zzz', ['sgd'])).toBe('');
  });
});
