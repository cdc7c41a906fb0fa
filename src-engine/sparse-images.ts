import type { Backend } from './backend';
import type { InputBatch } from './ops';
import type { Tensor } from './tensor';

/**
 * Images kept as their nonzero pixels. An MNIST digit is ~81 % background (exact zeros), and a zero pixel
 * adds nothing to the first layer's x W nor to its dW = x^T dout, so the trainer stores each image set once
 * in this form (CSR: per image, the column and uint8 value of each nonzero pixel) and the first Affine layer
 * multiplies only the nonzeros. A minibatch is then just a list of image indices: nothing is gathered.
 */
export interface SparseImages {
  readonly count: number;
  /** Pixels per image (the dense row length). */
  readonly rowLength: number;
  /** Image i's pixels are entries rowStart[i] .. rowStart[i + 1] - 1 (count + 1 values). */
  readonly rowStart: Int32Array;
  readonly columns: Uint16Array;
  readonly values: Uint8Array;
}

/** Above this share of nonzero pixels the dense GEMM is faster than skipping zeros (measured in bench/). */
export const SPARSE_DENSITY_LIMIT = 0.4;

/** Share of nonzero pixels in the first `sample` images (enough to tell MNIST from a dense image set). */
export function pixelDensity(images: Uint8Array, count: number, rowLength: number, sample = 1000): number {
  const end = Math.min(count, sample) * rowLength;
  if (end === 0) return 1;
  let nonzero = 0;
  for (let i = 0; i < end; i++) if (images[i] !== 0) nonzero++;
  return nonzero / end;
}

/** The CSR form of `count` images of `rowLength` uint8 pixels. */
export function encodeSparseImages(images: Uint8Array, count: number, rowLength: number): SparseImages {
  if (rowLength > 65536) throw new RangeError(`sparse images: rows of ${rowLength} pixels exceed the 65536 a Uint16 column can address`);
  if (images.length < count * rowLength) throw new RangeError(`sparse images: ${count} images of ${rowLength} pixels need ${count * rowLength} bytes, got ${images.length}`);
  // Four pixels per read where the rows allow it: most words of a digit image are all background.
  const words = images.byteOffset % 4 === 0 && rowLength % 4 === 0 ? new Uint32Array(images.buffer, images.byteOffset, (count * rowLength) / 4) : undefined;
  const rowStart = new Int32Array(count + 1);
  let nonzero = 0;
  for (let i = 0; i < count; i++) {
    const end = (i + 1) * rowLength;
    if (words) {
      for (let w = (i * rowLength) / 4, wEnd = end / 4; w < wEnd; w++) {
        const v = words[w];
        if (v !== 0) nonzero += (v & 0xff ? 1 : 0) + (v & 0xff00 ? 1 : 0) + (v & 0xff0000 ? 1 : 0) + (v >>> 24 ? 1 : 0);
      }
    } else {
      for (let p = i * rowLength; p < end; p++) if (images[p] !== 0) nonzero++;
    }
    rowStart[i + 1] = nonzero;
  }
  const columns = new Uint16Array(nonzero);
  const values = new Uint8Array(nonzero);
  let j = 0;
  for (let i = 0; i < count; i++) {
    const base = i * rowLength;
    for (let c = 0; c < rowLength; c += words ? 4 : 1) {
      if (words && words[(base + c) / 4] === 0) continue;
      for (let q = c, qEnd = words ? c + 4 : c + 1; q < qEnd; q++) {
        const v = images[base + q];
        if (v !== 0) {
          columns[j] = q;
          values[j++] = v;
        }
      }
    }
  }
  return { count, rowLength, rowStart, columns, values };
}

// One encoding per image array, shared by every trainer in the process (runs of the desktop host, tests).
const encoded = new WeakMap<Uint8Array, SparseImages>();

/** encodeSparseImages, once per image array (a Trainer per run must not encode 60000 images again). */
export function sparseImagesOf(images: Uint8Array, count: number, rowLength: number): SparseImages {
  const cached = encoded.get(images);
  if (cached && cached.count === count && cached.rowLength === rowLength) return cached;
  const result = encodeSparseImages(images, count, rowLength);
  encoded.set(images, result);
  return result;
}

/**
 * A minibatch of encoded images as the first Affine's x: row r is image indices[r] with every pixel times
 * scale. It multiplies itself, touching only the nonzero pixels: x W and the weight gradient x^T dout.
 */
export class SparseBatch implements InputBatch {
  readonly images: SparseImages;
  /** Held by reference: the trainer draws each batch into the same array. */
  readonly indices: Int32Array;
  readonly scale: number;
  readonly shape: readonly [rows: number, cols: number];

  constructor(images: SparseImages, indices: Int32Array, scale: number) {
    this.images = images;
    this.indices = indices;
    this.scale = scale;
    this.shape = [indices.length, images.rowLength];
  }

  /** out = x W over the nonzero pixels. */
  matmul(backend: Backend, W: Tensor, out: Tensor): void {
    const { rowStart, columns, values, rowLength } = this.images;
    backend.sparseMatmul(rowStart, columns, values, rowLength, this.indices, this.scale, W.data, W.shape[1], out.data);
  }

  /** dW = x^T dout over the nonzero pixels. */
  matmulTransposedA(backend: Backend, dout: Tensor, dW: Tensor): void {
    const { rowStart, columns, values, rowLength } = this.images;
    backend.sparseMatmulTransposed(rowStart, columns, values, rowLength, this.indices, this.scale, dout.data, dW.shape[1], dW.data);
  }
}
