// The model's ink has MNIST's stroke width whatever the size of the drawing: measured on MNIST's test set
// and on drawings rasterised here (a round-capped line, anti-aliased like a canvas) then preprocessed.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readIdxFile } from '../../src-services/data/idx';
import { bundledMnistDirectory } from '../../src-services/data/load-dataset';
import { inkBounds, MNIST_SIDE, preprocessDigit } from './preprocess';
import { BASE_STROKE_WIDTH, inkStrokes, MIN_DRAWING_SIDE, MNIST_STROKE_WIDTH, PAD_SIDE, tooSmallToRead, type Stroke } from './strokes';

/** Stroke width of an image: twice its ink's mass over the total length of its intensity gradient (a line's two edges). */
function strokeWidthOf(image: ArrayLike<number>, side: number): number {
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= side || y >= side ? 0 : image[y * side + x]!);
  let mass = 0;
  let edges = 0;
  for (let y = -1; y < side; y++) {
    for (let x = -1; x < side; x++) {
      const v = at(x, y);
      mass += v;
      edges += Math.hypot(at(x + 1, y) - v, at(x, y + 1) - v);
    }
  }
  return (2 * mass) / edges;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

/** Distance from (px, py) to the segment a-b. */
function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.min(Math.max(((px - ax) * dx + (py - ay) * dy) / length2, 0), 1);
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** The pad's ink for strokes of uniform width: round-capped, with a one-pixel anti-aliased edge. */
function rasterise(strokes: readonly Stroke[]): Float32Array {
  const ink = new Float32Array(PAD_SIDE * PAD_SIDE);
  for (const stroke of strokes) {
    const half = stroke[0]!.width / 2;
    for (let y = 0; y < PAD_SIDE; y++) {
      for (let x = 0; x < PAD_SIDE; x++) {
        let d = Infinity;
        for (let i = 0; i < stroke.length; i++) {
          const a = stroke[i]!;
          const b = stroke[Math.min(i + 1, stroke.length - 1)]!;
          d = Math.min(d, segmentDistance(x + 0.5, y + 0.5, a.x, a.y, b.x, b.y));
        }
        const i = y * PAD_SIDE + x;
        ink[i] = Math.max(ink[i]!, Math.min(Math.max(half - d + 0.5, 0), 1));
      }
    }
  }
  return ink;
}

/** Digit-like shapes of a given size, centred on the pad, drawn with the mouse's width. */
function shapes(size: number): Record<string, Stroke[]> {
  const c = PAD_SIDE / 2;
  const h = size / 2;
  const pt = (x: number, y: number) => ({ x: c + x * h, y: c + y * h, width: BASE_STROKE_WIDTH });
  const zero = Array.from({ length: 33 }, (_, i) => pt(0.6 * Math.cos((i / 32) * 2 * Math.PI), Math.sin((i / 32) * 2 * Math.PI)));
  return {
    zero: [zero],
    one: [[pt(0, -1), pt(0, 1)]],
    seven: [[pt(-0.6, -1), pt(0.6, -1), pt(-0.1, 1)]],
    four: [[pt(0.2, -1), pt(-0.6, 0.3), pt(0.6, 0.3)], [pt(0.3, -0.2), pt(0.3, 1)]],
  };
}

describe('stroke width like MNIST', () => {
  it('measures MNIST test set strokes at a median of 2.40 pixels', async () => {
    const idx = await readIdxFile(join(bundledMnistDirectory(), 't10k-images-idx3-ubyte.gz'));
    const pixels = MNIST_SIDE * MNIST_SIDE;
    const widths = Array.from({ length: idx.dims[0]! }, (_, i) => strokeWidthOf(Array.from(idx.data.subarray(i * pixels, (i + 1) * pixels), (v) => v / 255), MNIST_SIDE));
    expect(median(widths)).toBeCloseTo(2.399, 3);
    expect(MNIST_STROKE_WIDTH).toBeCloseTo(median(widths), 1);
  });

  for (const size of [80, 160, 240]) {
    it(`gives a digit drawn ${size} pixels tall MNIST's stroke once preprocessed`, () => {
      for (const [name, strokes] of Object.entries(shapes(size))) {
        const out = preprocessDigit(rasterise(inkStrokes(strokes)), PAD_SIDE, PAD_SIDE);
        if (!out) throw new Error(`${name}: no ink`);
        const width = strokeWidthOf(out, MNIST_SIDE);
        // 2.16 (the "1") to 2.37 at every size; the old fixed 19-pixel line gave 3.8 at 80 and 1.5 at 240.
        expect(Math.abs(width - MNIST_STROKE_WIDTH), `${name} ${width}`).toBeLessThan(0.3);
      }
    });
  }

  it('keeps the pen pressure as a factor of the width', () => {
    const [stroke] = inkStrokes([[{ x: 0, y: 0, width: BASE_STROKE_WIDTH }, { x: 0, y: 175, width: BASE_STROKE_WIDTH * 1.4 }]]);
    // 2.4 * 175 / 17.6 = 23.86 pixels for the base width.
    expect(stroke![0]!.width).toBeCloseTo((MNIST_STROKE_WIDTH * 175) / (20 - MNIST_STROKE_WIDTH), 6);
    expect(stroke![1]!.width / stroke![0]!.width).toBeCloseTo(1.4, 6);
  });

  it('draws a dot with the thinnest ink, and asks for a larger drawing', () => {
    const dot = inkStrokes([[{ x: 100, y: 100, width: BASE_STROKE_WIDTH }]]);
    expect(dot[0]![0]!.width).toBe(4);
    expect(tooSmallToRead(inkBounds(rasterise(dot), PAD_SIDE, PAD_SIDE))).toBe(true);
    expect(inkStrokes([])).toEqual([]);
  });

  it('reads a digit 60 pixels tall, not one 30 pixels tall', () => {
    const readable = (size: number) => !tooSmallToRead(inkBounds(rasterise(inkStrokes(shapes(size)['seven']!)), PAD_SIDE, PAD_SIDE));
    expect(readable(60)).toBe(true);
    expect(readable(30)).toBe(false);
    expect(tooSmallToRead({ width: MIN_DRAWING_SIDE, height: 1 })).toBe(false);
    expect(tooSmallToRead({ width: MIN_DRAWING_SIDE - 1, height: MIN_DRAWING_SIDE - 1 })).toBe(true);
    expect(tooSmallToRead(null)).toBe(false);
  });
});
