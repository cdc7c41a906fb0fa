import { describe, expect, it } from 'vitest';
import { RequestBudget } from '../src-shared/request-budget';
import { jsonNestedDeeperThan } from './json-depth';
import { parseRequestTarget } from './request-target';

describe('request target', () => {
  it('gives the decoded segments and the query of a path', () => {
    const target = parseRequestTarget('/assets/a%20b.js?token=abc');
    expect(target).toMatchObject({ ok: true, segments: ['assets', 'a b.js'], pathname: '/assets/a%20b.js' });
    expect(target.ok && target.query.get('token')).toBe('abc');
    expect(parseRequestTarget(undefined)).toMatchObject({ ok: true, segments: [''] });
    expect(parseRequestTarget('/runs/')).toMatchObject({ ok: true, segments: ['runs', ''] });
  });

  it('resolves dot segments, also percent-encoded, without leaving the root', () => {
    expect(parseRequestTarget('/a/../../../etc/passwd')).toMatchObject({ ok: true, segments: ['etc', 'passwd'] });
    expect(parseRequestTarget('/%2e%2e/%2E%2e/etc')).toMatchObject({ ok: true, segments: ['etc'] });
  });

  it.each([
    ['/%', 'percent-encoding'],
    ['/%zz', 'percent-encoding'],
    ['/%C0%AF', 'percent-encoding'],
    ['//[', 'empty segment'],
    ['//evil.example/x', 'empty segment'],
    ['/a%2fb', 'encoded slash'],
    ['/a%5cb', 'backslash'],
    ['/a%00b', 'NUL'],
    ['*', 'must be a path'],
    ['http://evil.example/', 'must be a path'],
    ['', 'must be a path'],
  ])('refuses %s (%s) without throwing', (raw, message) => {
    const target = parseRequestTarget(raw);
    expect(target.ok).toBe(false);
    expect(!target.ok && target.error).toContain(message);
  });
});

describe('JSON nesting depth', () => {
  const deeper = (text: string, limit: number): boolean => jsonNestedDeeperThan(Buffer.from(text), limit);

  it('counts arrays and objects, not brackets inside strings', () => {
    expect(deeper('{"a":[1,{"b":[]}]}', 4)).toBe(false);
    expect(deeper('{"a":[1,{"b":[]}]}', 3)).toBe(true);
    expect(deeper('{"a":"[[[[[[[[[["}', 1)).toBe(false);
    expect(deeper('["\\"[[[[", "\\\\", [[[]]]]', 3)).toBe(true);
    expect(deeper('["\\"[[[[", "\\\\", [[[]]]]', 4)).toBe(false);
  });

  it('decides a 48 MB base64 string and a 100000-deep array without building either', () => {
    expect(deeper(`{"id":1,"method":"importOnnx","params":{"base64":"${'QUJD'.repeat(12 * 1024 * 1024)}"}}`, 32)).toBe(false);
    expect(deeper('['.repeat(100_000), 32)).toBe(true);
  });

  it('leaves malformed text to JSON.parse', () => {
    expect(deeper('{"a":"unterminated', 32)).toBe(false);
    expect(deeper(']]]]', 1)).toBe(false);
  });
});

describe('request budget', () => {
  it('admits up to the per-client, total and byte limits, and frees a share on release', () => {
    const budget = new RequestBudget({ perClient: 2, total: 3, totalBytes: 1000 });
    const a = budget.client();
    const b = budget.client();
    const first = a(100);
    const second = a(100);
    expect(first.ok && second.ok).toBe(true);
    expect(a(1)).toEqual({ ok: false, error: expect.stringContaining('2 requests of this connection') });
    const third = b(700);
    expect(third.ok).toBe(true);
    expect(b(1)).toEqual({ ok: false, error: expect.stringContaining('busy serving 3 requests') });
    if (first.ok) first.release();
    expect(b(201)).toEqual({ ok: false, error: 'request refused: the host is busy with 1 KB of requests; try again when they have finished' });
    const fits = b(100);
    expect(fits.ok).toBe(true);
    if (first.ok) first.release();
    expect(budget.active).toBe(3);
  });
});
