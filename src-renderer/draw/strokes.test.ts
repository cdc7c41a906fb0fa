import { describe, expect, it } from 'vitest';
import {
  alphaToInk,
  appendPoint,
  BASE_STROKE_WIDTH,
  drawStrokes,
  inkToRgba,
  parseRgb,
  parseTestImageIndex,
  strokeWidth,
  type StrokeContext,
  type StrokePoint,
} from './strokes';

/** Records the drawing calls instead of painting. */
function recorder(): StrokeContext & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    lineWidth: 1,
    lineCap: 'butt',
    lineJoin: 'miter',
    strokeStyle: '',
    fillStyle: '',
    beginPath: () => calls.push('begin'),
    moveTo: (x: number, y: number) => calls.push(`move ${x},${y}`),
    lineTo: (x: number, y: number) => calls.push(`line ${x},${y}`),
    stroke() {
      calls.push(`stroke ${this.lineWidth}`);
    },
    arc: (x: number, y: number, r: number) => calls.push(`arc ${x},${y} r${r}`),
    fill: () => calls.push('fill'),
  };
}

const p = (x: number, y: number, width = BASE_STROKE_WIDTH): StrokePoint => ({ x, y, width });

describe('strokeWidth', () => {
  it('keeps the base width for mouse and touch whatever they report', () => {
    expect(strokeWidth('mouse', 0.5)).toBe(BASE_STROKE_WIDTH);
    expect(strokeWidth('touch', 0)).toBe(BASE_STROKE_WIDTH);
    expect(strokeWidth('touch', 1)).toBe(BASE_STROKE_WIDTH);
  });
  it('lets pen pressure vary the width around the base', () => {
    expect(strokeWidth('pen', 0.5)).toBeCloseTo(BASE_STROKE_WIDTH);
    expect(strokeWidth('pen', 0.1)).toBeLessThan(BASE_STROKE_WIDTH);
    expect(strokeWidth('pen', 1)).toBeGreaterThan(BASE_STROKE_WIDTH);
    expect(strokeWidth('pen', 0)).toBe(BASE_STROKE_WIDTH);
    expect(strokeWidth('pen', Number.NaN)).toBe(BASE_STROKE_WIDTH);
  });
});

describe('appendPoint', () => {
  it('skips points too close to the last one', () => {
    const stroke = [p(0, 0)];
    expect(appendPoint(stroke, p(0.2, 0.2))).toBe(false);
    expect(appendPoint(stroke, p(3, 4))).toBe(true);
    expect(stroke).toHaveLength(2);
  });
});

describe('drawStrokes', () => {
  it('draws a tap as a dot and a stroke as one path', () => {
    const ctx = recorder();
    drawStrokes(ctx, [[p(10, 10)], [p(0, 0), p(5, 0), p(5, 5)]], '#fff');
    expect(ctx.lineCap).toBe('round');
    expect(ctx.calls).toEqual(['begin', `arc 10,10 r${BASE_STROKE_WIDTH / 2}`, 'fill', 'begin', 'move 0,0', 'line 5,0', 'line 5,5', `stroke ${BASE_STROKE_WIDTH}`]);
  });
  it('draws pressure-varied strokes segment by segment with mean widths', () => {
    const ctx = recorder();
    drawStrokes(ctx, [[p(0, 0, 10), p(5, 0, 20), p(5, 5, 30)]], '#fff');
    expect(ctx.calls.filter((c) => c.startsWith('stroke'))).toEqual(['stroke 15', 'stroke 25']);
  });
  it('draws nothing for no strokes or empty ones', () => {
    const ctx = recorder();
    drawStrokes(ctx, [[]], '#fff');
    expect(ctx.calls).toEqual([]);
  });
});

describe('ink conversion', () => {
  it('reads the alpha channel as ink', () => {
    const rgba = new Uint8ClampedArray([255, 255, 255, 0, 255, 255, 255, 255, 0, 0, 0, 51, 9, 9, 9, 102]);
    expect(Array.from(alphaToInk(rgba, 2, 2))).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
  });
  it('rejects a buffer of the wrong size', () => {
    expect(() => alphaToInk(new Uint8ClampedArray(12), 2, 2)).toThrow(RangeError);
  });
  it('round-trips through inkToRgba', () => {
    const rgba = inkToRgba([0, 0.5, 1, 2, -1, Number.NaN], [1, 2, 3]);
    expect(Array.from(rgba.slice(0, 4))).toEqual([1, 2, 3, 0]);
    expect(Array.from(alphaToInk(rgba, 6, 1)).map((v) => Math.round(v * 255))).toEqual([0, 128, 255, 255, 0, 0]);
  });
});

describe('parseRgb', () => {
  it('reads computed colours', () => {
    expect(parseRgb('rgb(29, 36, 48)')).toEqual([29, 36, 48]);
    expect(parseRgb('rgba(228, 232, 239, 0.5)')).toEqual([228, 232, 239]);
    expect(parseRgb('rgb(1 2 3)')).toEqual([1, 2, 3]);
    expect(parseRgb('#2f6feb')).toEqual([0x2f, 0x6f, 0xeb]);
    expect(parseRgb('oklch(0.5 0.1 200)', [9, 9, 9])).toEqual([9, 9, 9]);
  });
});

describe('parseTestImageIndex', () => {
  it('accepts a non-negative integer only', () => {
    expect(parseTestImageIndex('42')).toBe(42);
    expect(parseTestImageIndex(' 7 ')).toBe(7);
    expect(parseTestImageIndex('')).toBeUndefined();
    expect(parseTestImageIndex('-1')).toBeUndefined();
    expect(parseTestImageIndex('1.5')).toBeUndefined();
    expect(parseTestImageIndex('99999999999999999999')).toBeUndefined();
  });
});
