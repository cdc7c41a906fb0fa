import { describe, expect, it } from 'vitest';
import { centreOfMass, centringShift, inkBounds, MNIST_SIDE, preprocessDigit } from './preprocess';

function canvas(width: number, height: number): Float32Array {
  return new Float32Array(width * height);
}

function fillRect(
  ink: Float32Array,
  width: number,
  x: number,
  y: number,
  w: number,
  h: number,
  value = 1,
): void {
  for (let row = y; row < y + h; row++) {
    for (let col = x; col < x + w; col++) ink[row * width + col] = value;
  }
}

/** Bounding box of pixels above `threshold` in a 28x28 output. */
function boundingBox(image: Float32Array, threshold = 0) {
  let left = MNIST_SIDE;
  let right = -1;
  let top = MNIST_SIDE;
  let bottom = -1;
  for (let y = 0; y < MNIST_SIDE; y++) {
    for (let x = 0; x < MNIST_SIDE; x++) {
      if (image[y * MNIST_SIDE + x] > threshold) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
  }
  return { left, top, width: right - left + 1, height: bottom - top + 1 };
}

function preprocessOrFail(ink: Float32Array, width: number, height: number): Float32Array {
  const out = preprocessDigit(ink, width, height);
  if (out === null) throw new Error('expected ink to be found');
  expect(out.length).toBe(MNIST_SIDE * MNIST_SIDE);
  return out;
}

/** Where MNIST has the centre of mass of every test image: in [14, 15) on both axes, from pixel centres. */
function expectCentred(image: Float32Array): void {
  const com = centreOfMass(image, MNIST_SIDE, MNIST_SIDE);
  if (com === null) throw new Error('expected a non-blank image');
  for (const c of [com.x, com.y]) {
    expect(c).toBeGreaterThanOrEqual(14);
    expect(c).toBeLessThan(15);
  }
}

describe('centreOfMass', () => {
  it('uses pixel-centre coordinates', () => {
    const uniform = new Float32Array(MNIST_SIDE * MNIST_SIDE).fill(1);
    const com = centreOfMass(uniform, MNIST_SIDE, MNIST_SIDE);
    expect(com?.x).toBeCloseTo(14, 6);
    expect(com?.y).toBeCloseTo(14, 6);
  });

  it('weights pixels by intensity', () => {
    // Pixel 0 (centre 0.5) with weight 1 and pixel 3 (centre 3.5) with weight 3.
    const row = new Float32Array([1, 0, 0, 3]);
    const com = centreOfMass(row, 4, 1);
    expect(com?.x).toBeCloseTo((0.5 + 3 * 3.5) / 4, 6);
    expect(com?.y).toBeCloseTo(0.5, 6);
  });

  it('returns null for a blank image', () => {
    expect(centreOfMass(canvas(5, 5), 5, 5)).toBeNull();
  });
});

describe('centringShift', () => {
  it('moves a centre of mass into [14, 15), flooring rather than rounding', () => {
    expect(centringShift(14)).toBe(0);
    expect(centringShift(14.5)).toBe(0);
    expect(centringShift(14.99)).toBe(0);
    expect(centringShift(13.99)).toBe(1);
    expect(centringShift(13.5)).toBe(1);
    expect(centringShift(15)).toBe(-1);
    expect(centringShift(3.2)).toBe(11);
  });

  it('reads a centre a float32 rounding below 14 as 14', () => {
    expect(centringShift(13.999999)).toBe(0);
  });
});

describe('inkBounds', () => {
  it('boxes the pixels above the threshold', () => {
    const ink = canvas(10, 8);
    fillRect(ink, 10, 2, 3, 4, 2);
    ink[0] = 0.04;
    expect(inkBounds(ink, 10, 8)).toEqual({ left: 2, top: 3, width: 4, height: 2 });
    expect(inkBounds(ink, 10, 8, 0)).toEqual({ left: 0, top: 0, width: 6, height: 5 });
    expect(inkBounds(canvas(4, 4), 4, 4)).toBeNull();
  });
});

describe('preprocessDigit', () => {
  it('returns null for an empty canvas', () => {
    expect(preprocessDigit(canvas(280, 280), 280, 280)).toBeNull();
  });

  it('treats faint pixels at or below 0.05 as no ink', () => {
    const ink = canvas(50, 50).fill(0.05);
    expect(preprocessDigit(ink, 50, 50)).toBeNull();
    ink[0] = 0.06;
    expect(preprocessDigit(ink, 50, 50)).not.toBeNull();
  });

  it('keeps faint pixels next to the ink when they fit, without letting them set the scale', () => {
    const ink = canvas(28, 28);
    fillRect(ink, 28, 10, 4, 6, 20);
    fillRect(ink, 28, 9, 4, 1, 20, 0.04);
    const out = preprocessOrFail(ink, 28, 28);
    expect(boundingBox(out)).toMatchObject({ width: 7, height: 20 });
    expect(Array.from(out).filter((v) => Math.abs(v - 0.04) < 1e-6)).toHaveLength(20);
  });

  it('fits a tall rectangle to 20 pixels high, keeping its aspect ratio', () => {
    const ink = canvas(280, 280);
    fillRect(ink, 280, 30, 50, 100, 200);
    const out = preprocessOrFail(ink, 280, 280);

    const box = boundingBox(out);
    expect(box.width).toBe(10);
    expect(box.height).toBe(20);
    for (let y = box.top; y < box.top + box.height; y++) {
      for (let x = box.left; x < box.left + box.width; x++) {
        expect(out[y * MNIST_SIDE + x]).toBeCloseTo(1, 5);
      }
    }
    expectCentred(out);
  });

  it('fits a wide shape to 20 pixels wide', () => {
    const ink = canvas(400, 400);
    fillRect(ink, 400, 60, 300, 300, 20);
    const out = preprocessOrFail(ink, 400, 400);

    const box = boundingBox(out);
    expect(box.width).toBe(20);
    expect(box.height).toBeLessThanOrEqual(2);
    expectCentred(out);
  });

  it('moves a small dot in a corner to the centre', () => {
    const ink = canvas(280, 280);
    fillRect(ink, 280, 270, 272, 6, 6);
    const out = preprocessOrFail(ink, 280, 280);

    expectCentred(out);
    // The empty corner the dot came from must not leave anything behind.
    expect(out[MNIST_SIDE * MNIST_SIDE - 1]).toBe(0);
  });

  it('centres by mass, not by bounding box', () => {
    // A square whose bottom half is darker pulls the mass below the box centre.
    const ink = canvas(200, 200);
    fillRect(ink, 200, 20, 20, 160, 80, 0.5);
    fillRect(ink, 200, 20, 100, 160, 80, 1);
    const out = preprocessOrFail(ink, 200, 200);

    expectCentred(out);
    const box = boundingBox(out);
    expect(box.width).toBe(20);
    expect(box.height).toBe(20);
    // Box-centring would put the top edge at 4; the heavy bottom lifts it.
    expect(box.left).toBe(4);
    expect(box.top).toBeLessThan(4);
  });

  it('keeps a lopsided shape inside the field when centring would push it out', () => {
    // Nearly all mass in the top-left corner of a 20x20 box.
    const ink = canvas(100, 100);
    fillRect(ink, 100, 0, 0, 30, 30);
    ink[99 * 100 + 99] = 1;
    const out = preprocessOrFail(ink, 100, 100);

    const box = boundingBox(out);
    expect(box.left + box.width).toBeLessThanOrEqual(MNIST_SIDE);
    expect(box.top + box.height).toBeLessThanOrEqual(MNIST_SIDE);
    expect(out[27 * MNIST_SIDE + 27]).toBeGreaterThan(0);
  });

  it('anti-aliases a thin diagonal stroke into grey levels', () => {
    const ink = canvas(280, 280);
    for (let i = 20; i < 260; i++) fillRect(ink, 280, i, i, 6, 6);
    const out = preprocessOrFail(ink, 280, 280);

    const greys = Array.from(out).filter((v) => v > 0.01 && v < 0.99);
    expect(greys.length).toBeGreaterThan(5);
    expectCentred(out);
  });

  it('keeps every output value within [0, 1]', () => {
    const width = 120;
    const height = 90;
    const ink = canvas(width, height);
    // Deterministic pseudo-random scribble, including out-of-range inputs.
    let seed = 12345;
    for (let i = 0; i < ink.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      ink[i] = (seed / 2147483648) * 1.5 - 0.1;
    }
    const out = preprocessOrFail(ink, width, height);
    for (const v of out) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('preserves the mean intensity when downscaling a uniform grey block', () => {
    const ink = canvas(280, 280);
    fillRect(ink, 280, 40, 40, 200, 200, 0.4);
    const out = preprocessOrFail(ink, 280, 280);

    const box = boundingBox(out);
    expect(box.width).toBe(20);
    expect(box.height).toBe(20);
    expect(out[14 * MNIST_SIDE + 14]).toBeCloseTo(0.4, 5);
  });

  it('throws a RangeError naming the sizes for a wrong length', () => {
    expect(() => preprocessDigit(new Float32Array(10), 4, 4)).toThrow(RangeError);
    expect(() => preprocessDigit(new Float32Array(10), 4, 4)).toThrow(/10.*4x4/);
  });

  it('throws a RangeError for non-integer or non-positive sizes', () => {
    expect(() => preprocessDigit(new Float32Array(0), 0, 0)).toThrow(RangeError);
    expect(() => preprocessDigit(new Float32Array(6), 2.5, 2.4)).toThrow(RangeError);
    expect(() => preprocessDigit(new Float32Array(4), -2, -2)).toThrow(RangeError);
  });
});
