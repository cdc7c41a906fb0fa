import { describe, expect, it } from 'vitest';
import { padPoint, type CanvasBox } from './pad-point';

/** The pad as styled: 280x280 content, a 1-pixel border, at (100, 50) on the page. */
const styled: CanvasBox = {
  rect: { left: 100, top: 50, width: 282 },
  offsetWidth: 282,
  borderLeft: 1,
  borderTop: 1,
  paddingLeft: 0,
  paddingTop: 0,
  contentWidth: 280,
  contentHeight: 280,
};

describe('padPoint', () => {
  it('measures from inside the border, not from the border box', () => {
    expect(padPoint(101, 51, styled)).toEqual({ x: 0, y: 0 });
    expect(padPoint(381, 331, styled)).toEqual({ x: 280, y: 280 });
    expect(padPoint(241, 191, styled)).toEqual({ x: 140, y: 140 });
  });

  it('skips the padding too', () => {
    const padded: CanvasBox = { ...styled, rect: { ...styled.rect, width: 302 }, offsetWidth: 302, paddingLeft: 10, paddingTop: 10 };
    expect(padPoint(111, 61, padded)).toEqual({ x: 0, y: 0 });
    expect(padPoint(391, 341, padded)).toEqual({ x: 280, y: 280 });
  });

  it('scales a content box of another size to the pad resolution', () => {
    const small: CanvasBox = { ...styled, rect: { ...styled.rect, width: 142 }, offsetWidth: 142, contentWidth: 140, contentHeight: 140 };
    expect(padPoint(101 + 70, 51 + 35, small)).toEqual({ x: 140, y: 70 });
  });

  it('follows a CSS transform that zooms the whole box', () => {
    // scale(2): the border is 2 screen pixels and the content 560.
    const zoomed: CanvasBox = { ...styled, rect: { ...styled.rect, width: 564 } };
    expect(padPoint(102, 52, zoomed)).toEqual({ x: 0, y: 0 });
    expect(padPoint(102 + 560, 52 + 280, zoomed)).toEqual({ x: 280, y: 140 });
  });

  it('falls back to the pad side for an element not laid out', () => {
    const hidden: CanvasBox = { ...styled, rect: { left: 0, top: 0, width: 0 }, offsetWidth: 0, borderLeft: 0, borderTop: 0, contentWidth: 0, contentHeight: 0 };
    expect(padPoint(10, 20, hidden)).toEqual({ x: 10, y: 20 });
  });
});
