import { describe, expect, it } from 'vitest';
import { rowWindow, scrollTopShowing } from './virtual-window';

describe('virtual row window', () => {
  it('renders the rows in view and a few more on each side, with the space of the others', () => {
    // 5000 rows of 30 px, 300 px of viewport scrolled to row 100.
    expect(rowWindow(3000, 300, 30, 5000, 5)).toEqual({ start: 95, end: 116, before: 95 * 30, after: (5000 - 116) * 30 });
    // Mid-row: row 100 is partly hidden above, row 110 partly shown below.
    expect(rowWindow(3015, 300, 30, 5000, 0)).toEqual({ start: 100, end: 111, before: 3000, after: (5000 - 111) * 30 });
  });

  it('stays inside the list at its ends, when it is short, and when it is empty', () => {
    expect(rowWindow(0, 300, 30, 5000, 5)).toMatchObject({ start: 0, end: 16, before: 0 });
    expect(rowWindow(150_000, 300, 30, 5000, 5)).toMatchObject({ start: 4995, end: 5000, after: 0 });
    expect(rowWindow(0, 300, 30, 3, 5)).toEqual({ start: 0, end: 3, before: 0, after: 0 });
    expect(rowWindow(900, 300, 30, 0, 5)).toEqual({ start: 0, end: 0, before: 0, after: 0 });
  });

  it('scrolls as little as it must to show a row whole', () => {
    expect(scrollTopShowing(5, 0, 300, 30)).toBe(0);
    expect(scrollTopShowing(10, 0, 300, 30)).toBe(30);
    expect(scrollTopShowing(3, 300, 300, 30)).toBe(90);
    expect(scrollTopShowing(12, 300, 300, 30)).toBe(300);
  });
});
