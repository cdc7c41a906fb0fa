// Turns a free-hand drawing into an MNIST-style 28x28 input, following the
// recipe used to build MNIST itself: crop, fit into a 20x20 box with
// anti-aliasing, then centre by mass in a 28x28 field. A network trained on
// MNIST only sees digits prepared this way, so skipping any step hurts accuracy.

export const MNIST_SIDE = 28;

/** Longer side of the scaled digit; MNIST leaves a 4-pixel margin around it. */
export const FIT_SIDE = 20;

/**
 * Faint anti-aliasing or stray brush pixels up to this do not count as ink when
 * cropping. Rounded to float32 so an input stored as 0.05 in the Float32Array
 * is not "above" it by rounding error.
 */
const INK_THRESHOLD = Math.fround(0.05);

function checkSize(image: Float32Array, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  if (image.length !== width * height) {
    throw new RangeError(
      `image length ${image.length} does not match ${width}x${height} = ${width * height}`,
    );
  }
}

/**
 * Intensity-weighted centre in pixel-centre coordinates (pixel i spans [i, i+1],
 * so a uniform 28x28 image has its centre at 14). Null when the image is blank.
 */
export function centreOfMass(
  image: Float32Array,
  width: number,
  height: number,
): { x: number; y: number } | null {
  checkSize(image, width, height);
  let mass = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = image[y * width + x];
      mass += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  return mass > 0 ? { x: sx / mass, y: sy / mass } : null;
}

/**
 * Box-filter weights along one axis: weights[o][s] is how much of source pixel `s` falls inside output
 * pixel o, which spans `span` source pixels from o * span, divided by the span. The same span on both
 * axes keeps the aspect ratio; the last output pixel may be only partly covered by the source.
 */
function coverageWeights(srcLength: number, dstLength: number, span: number): Float64Array[] {
  const weights: Float64Array[] = [];
  for (let o = 0; o < dstLength; o++) {
    const start = o * span;
    const end = start + span;
    const row = new Float64Array(srcLength);
    for (let s = Math.floor(start); s < Math.min(Math.ceil(end), srcLength); s++) {
      row[s] = (Math.min(end, s + 1) - Math.max(start, s)) / span;
    }
    weights.push(row);
  }
  return weights;
}

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The bounding box of the pixels above `threshold` (INK_THRESHOLD unless told); null when there are none. */
export function inkBounds(ink: Float32Array, width: number, height: number, threshold = INK_THRESHOLD): Box | null {
  checkSize(ink, width, height);
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > threshold) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
  }
  return right < 0 ? null : { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/**
 * The whole-pixel shift that puts a centre of mass `c` (pixel-centre coordinates) into [14, 15): where
 * every one of MNIST's 10 000 test images has it (LeCun's centring rounds the mass centre, counted from
 * pixel indices, to pixel 14). Rounding `14 - c` instead would leave it in [13.5, 14.5] and move three
 * quarters of MNIST's own images by a pixel. The 1e-5 absorbs float32 rounding of the pixel values, so a
 * centre of exactly 14 is not read as 13.99999 (MNIST's largest is 14.99991, clear of it).
 */
export function centringShift(c: number): number {
  return MNIST_SIDE / 2 - Math.floor(c + 1e-5);
}

export function preprocessDigit(
  ink: Float32Array,
  width: number,
  height: number,
): Float32Array | null {
  const inkBox = inkBounds(ink, width, height);
  if (inkBox === null) return null;
  // The ink above the threshold sets the scale; fainter pixels around it (MNIST's own anti-aliasing,
  // below 0.05) are carried along when they still fit the field, and dropped (stray specks) otherwise.
  const scale = FIT_SIDE / Math.max(inkBox.width, inkBox.height);
  const anyInk = inkBounds(ink, width, height, 0) ?? inkBox;
  const fits = anyInk.width * scale <= MNIST_SIDE && anyInk.height * scale <= MNIST_SIDE;
  const { left, top, width: boxW, height: boxH } = fits ? anyInk : inkBox;
  // Every output pixel the scaled ink touches (the 1e-9 keeps an exact fit from adding an empty one).
  const outW = Math.min(MNIST_SIDE, Math.ceil(boxW * scale - 1e-9));
  const outH = Math.min(MNIST_SIDE, Math.ceil(boxH * scale - 1e-9));

  // The box filter is separable, so the 2-D coverage weight is wx * wy.
  const wx = coverageWeights(boxW, outW, 1 / scale);
  const wy = coverageWeights(boxH, outH, 1 / scale);
  const scaled = new Float32Array(outW * outH);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      let sum = 0;
      for (let sy = 0; sy < boxH; sy++) {
        const rowWeight = wy[oy][sy];
        if (rowWeight === 0) continue;
        const rowStart = (top + sy) * width + left;
        for (let sx = 0; sx < boxW; sx++) {
          const w = wx[ox][sx];
          if (w !== 0) sum += rowWeight * w * ink[rowStart + sx];
        }
      }
      scaled[oy * outW + ox] = sum;
    }
  }

  const com = centreOfMass(scaled, outW, outH);
  // Only reachable if out-of-contract negative values cancel the ink out.
  if (com === null) return null;
  // Lopsided digits (a "7", a "j") would be pushed off the field by pure
  // mass-centring; clamping keeps every stroke visible at the cost of centring.
  const shiftX = Math.min(Math.max(centringShift(com.x), 0), MNIST_SIDE - outW);
  const shiftY = Math.min(Math.max(centringShift(com.y), 0), MNIST_SIDE - outH);

  const out = new Float32Array(MNIST_SIDE * MNIST_SIDE);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const v = scaled[y * outW + x];
      out[(y + shiftY) * MNIST_SIDE + x + shiftX] = Math.min(Math.max(v, 0), 1);
    }
  }
  return out;
}
