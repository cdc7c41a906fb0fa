// Pointer positions on the pad: from the page's client coordinates to the pad's own PAD_SIDE x PAD_SIDE
// coordinates, through the canvas's content box (inside its border and padding, where it is drawn).

import { PAD_SIDE } from './strokes';

/** What the canvas element tells about its box, in the units the DOM gives them. */
export interface CanvasBox {
  /** getBoundingClientRect(): the border box on screen, CSS transforms included. */
  readonly rect: { readonly left: number; readonly top: number; readonly width: number };
  /** offsetWidth: the border box's layout width, transforms not included. */
  readonly offsetWidth: number;
  /** clientLeft / clientTop: the left and top border widths. */
  readonly borderLeft: number;
  readonly borderTop: number;
  /** Computed padding, in layout pixels. */
  readonly paddingLeft: number;
  readonly paddingTop: number;
  /** The content box's layout size: clientWidth / clientHeight minus the padding. */
  readonly contentWidth: number;
  readonly contentHeight: number;
}

/** The pad coordinates of a client position (outside the content box they fall outside 0..PAD_SIDE). */
export function padPoint(clientX: number, clientY: number, box: CanvasBox): { x: number; y: number } {
  // A CSS transform scales the box on screen; layout sizes do not see it.
  const zoom = box.offsetWidth > 0 && box.rect.width > 0 ? box.rect.width / box.offsetWidth : 1;
  const left = box.rect.left + (box.borderLeft + box.paddingLeft) * zoom;
  const top = box.rect.top + (box.borderTop + box.paddingTop) * zoom;
  const width = box.contentWidth > 0 ? box.contentWidth * zoom : PAD_SIDE;
  const height = box.contentHeight > 0 ? box.contentHeight * zoom : PAD_SIDE;
  return { x: ((clientX - left) * PAD_SIDE) / width, y: ((clientY - top) * PAD_SIDE) / height };
}

/** The CanvasBox of an element, read from the DOM. */
export function canvasBox(el: HTMLElement): CanvasBox {
  const style = getComputedStyle(el);
  const px = (value: string): number => parseFloat(value) || 0;
  return {
    rect: el.getBoundingClientRect(),
    offsetWidth: el.offsetWidth,
    borderLeft: el.clientLeft,
    borderTop: el.clientTop,
    paddingLeft: px(style.paddingLeft),
    paddingTop: px(style.paddingTop),
    contentWidth: el.clientWidth - px(style.paddingLeft) - px(style.paddingRight),
    contentHeight: el.clientHeight - px(style.paddingTop) - px(style.paddingBottom),
  };
}
