// Free-hand strokes of the Draw view's pad: kept as point lists (so Undo can drop
// the last one and re-render), drawn onto any 2-D canvas context, and read back
// as an ink image for the MNIST preprocessing.

import { FIT_SIDE } from './preprocess';

/** The pad's side in CSS pixels; the ink image is PAD_SIDE x PAD_SIDE whatever the devicePixelRatio. */
export const PAD_SIDE = 280;

/** Stroke width for a mouse or finger: about what a pen on paper gives once scaled down to 28x28. */
export const BASE_STROKE_WIDTH = 19;

/**
 * Width of MNIST's strokes in its 28x28 images: the test set's median is 2.40 pixels (twice the ink's
 * mass over its gradient's total length, measured in strokes-width.test.ts). The ink the model reads is
 * drawn at whatever pad width lands there after the digit is fitted into 20x20 pixels.
 */
export const MNIST_STROKE_WIDTH = 2.4;

/** The thinnest line of the ink, so a dot or a tiny drawing still leaves ink to measure. */
const MIN_INK_WIDTH = 4;

/** A drawing whose ink is smaller than this on both sides (in pad pixels) is too small to read. */
export const MIN_DRAWING_SIDE = 48;

/**
 * The strokes as the model's ink: the line width follows the drawing's size (its longer side, from the
 * points' extent), so that once the digit is fitted into 20x20 the line is MNIST_STROKE_WIDTH wide, for a
 * digit written large or small. Pen pressure still thins or thickens it by the same factor as on screen.
 */
export function inkStrokes(strokes: readonly Stroke[]): Stroke[] {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const stroke of strokes) {
    for (const p of stroke) {
      minX = Math.min(minX, p.x);
      maxX = Math.max(maxX, p.x);
      minY = Math.min(minY, p.y);
      maxY = Math.max(maxY, p.y);
    }
  }
  if (maxX < minX) return [];
  const extent = Math.max(maxX - minX, maxY - minY);
  // The fitted box is the extent plus one line width (half at each round end): w * 20 / (extent + w) = target.
  const width = Math.max(MIN_INK_WIDTH, (MNIST_STROKE_WIDTH * extent) / (FIT_SIDE - MNIST_STROKE_WIDTH));
  return strokes.map((stroke) => stroke.map((p) => ({ x: p.x, y: p.y, width: (width * p.width) / BASE_STROKE_WIDTH })));
}

/** Whether ink with this bounding box (null: none) is too small to classify: the view asks to draw larger. */
export function tooSmallToRead(box: { width: number; height: number } | null): boolean {
  return box !== null && Math.max(box.width, box.height) < MIN_DRAWING_SIDE;
}

/** Drag-and-drop type carrying the index of a test image from the strip onto the pad. */
export const TEST_IMAGE_MIME = 'application/x-backprop-test-image';

export interface StrokePoint {
  readonly x: number;
  readonly y: number;
  /** Line width at this point (pen pressure may vary it). */
  readonly width: number;
}

export type Stroke = readonly StrokePoint[];

/**
 * Width of the line for a pointer. Only a pen reports a meaningful pressure (a mouse says 0.5 while a
 * button is down, many touch screens 0 or 1), so only a pen's pressure modulates the width.
 */
export function strokeWidth(pointerType: string, pressure: number): number {
  if (pointerType !== 'pen' || !Number.isFinite(pressure) || pressure <= 0) return BASE_STROKE_WIDTH;
  const p = Math.min(pressure, 1);
  // 0.5 (a medium press) gives the base width; the range is 0.6x .. 1.4x.
  return BASE_STROKE_WIDTH * (0.6 + 0.8 * p);
}

/**
 * Adds a point unless it is closer than `minDistance` to the stroke's last one (pointer events
 * fire far more often than the line needs). Returns whether the point was added.
 */
export function appendPoint(stroke: StrokePoint[], point: StrokePoint, minDistance = 0.75): boolean {
  const last = stroke[stroke.length - 1];
  if (last && Math.hypot(point.x - last.x, point.y - last.y) < minDistance) return false;
  stroke.push(point);
  return true;
}

/** The part of CanvasRenderingContext2D that drawing strokes needs (a fake one in tests). */
export type StrokeContext = Pick<
  CanvasRenderingContext2D,
  'beginPath' | 'moveTo' | 'lineTo' | 'stroke' | 'arc' | 'fill' | 'lineWidth' | 'lineCap' | 'lineJoin' | 'strokeStyle' | 'fillStyle'
>;

/** Draws round strokes in one colour, in pad coordinates (the caller sets any DPR transform). */
export function drawStrokes(ctx: StrokeContext, strokes: readonly Stroke[], colour: string): void {
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.strokeStyle = colour;
  ctx.fillStyle = colour;
  for (const stroke of strokes) {
    const first = stroke[0];
    if (!first) continue;
    if (stroke.length === 1) {
      // A tap: a dot as wide as the line would be.
      ctx.beginPath();
      ctx.arc(first.x, first.y, first.width / 2, 0, Math.PI * 2);
      ctx.fill();
      continue;
    }
    const uniform = stroke.every((p) => p.width === first.width);
    if (uniform) {
      ctx.lineWidth = first.width;
      ctx.beginPath();
      ctx.moveTo(first.x, first.y);
      for (let i = 1; i < stroke.length; i++) ctx.lineTo(stroke[i]!.x, stroke[i]!.y);
      ctx.stroke();
    } else {
      // Pressure-varied: one segment per pair, each with the mean width of its ends.
      for (let i = 1; i < stroke.length; i++) {
        const a = stroke[i - 1]!;
        const b = stroke[i]!;
        ctx.lineWidth = (a.width + b.width) / 2;
        ctx.beginPath();
        ctx.moveTo(a.x, a.y);
        ctx.lineTo(b.x, b.y);
        ctx.stroke();
      }
    }
  }
}

/** Ink in [0, 1] from RGBA bytes: the alpha channel of strokes drawn on a transparent canvas. */
export function alphaToInk(rgba: ArrayLike<number>, width: number, height: number): Float32Array {
  if (rgba.length !== width * height * 4) {
    throw new RangeError(`expected ${width * height * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}`);
  }
  const ink = new Float32Array(width * height);
  for (let i = 0; i < ink.length; i++) ink[i] = rgba[i * 4 + 3]! / 255;
  return ink;
}

/** RGBA bytes showing `values` (0..1, ink = 1) in `rgb` over transparency. */
export function inkToRgba(values: ArrayLike<number>, rgb: readonly [number, number, number]): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(new ArrayBuffer(values.length * 4));
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i * 4] = rgb[0];
    out[i * 4 + 1] = rgb[1];
    out[i * 4 + 2] = rgb[2];
    out[i * 4 + 3] = Number.isFinite(v) ? Math.round(Math.min(Math.max(v, 0), 1) * 255) : 0;
  }
  return out;
}

/** [r, g, b] of a computed CSS colour ("rgb(1, 2, 3)" / "rgba(...)" / "#rrggbb"); the fallback otherwise. */
export function parseRgb(colour: string, fallback: readonly [number, number, number] = [0, 0, 0]): [number, number, number] {
  const functional = /^rgba?\(\s*(\d+(?:\.\d+)?)[\s,]+(\d+(?:\.\d+)?)[\s,]+(\d+(?:\.\d+)?)/i.exec(colour.trim());
  if (functional) return [Number(functional[1]), Number(functional[2]), Number(functional[3])].map((c) => Math.min(Math.round(c), 255)) as [number, number, number];
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour.trim());
  if (hex) return [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16), parseInt(hex[3]!, 16)];
  return [fallback[0], fallback[1], fallback[2]];
}

/** The test image index a drop carries, or undefined when the data is not one. */
export function parseTestImageIndex(data: string): number | undefined {
  if (!/^\d+$/.test(data.trim())) return undefined;
  const index = Number(data.trim());
  return Number.isSafeInteger(index) ? index : undefined;
}
