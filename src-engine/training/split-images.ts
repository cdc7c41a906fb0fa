import type { BackgroundKernels, DType, FloatArray } from '../backend';
import type { DatasetSplit } from '../dataset';
import type { Operand, TensorOps } from '../ops';
import { pixelDensity, SPARSE_DENSITY_LIMIT, SparseBatch, sparseImagesOf, type SparseImages } from '../sparse-images';
import { allocate, Tensor } from '../tensor';

/** Pixels are uint8 in the IDX files; the book's load_mnist(normalize=True) scales them into [0, 1]. */
export const PIXEL_SCALE = 1 / 255;

/**
 * How batches reach the first layer: 'sparse' multiplies only nonzero pixels (see sparse-images.ts), 'dense'
 * gathers every pixel as float rows (the book's x_batch). 'auto' (default) picks sparse when under
 * SPARSE_DENSITY_LIMIT of the training pixels are nonzero (MNIST: 19 %). Both give the same products up to
 * the order of float additions.
 */
export type InputFormat = 'auto' | 'sparse' | 'dense';

/** The format 'auto' stands for on this training set (its first `count` images); the others as they are. */
export function resolveInputFormat(format: InputFormat, train: DatasetSplit, count: number): 'sparse' | 'dense' {
  if (format !== 'auto') return format;
  const pixels = train.rows * train.cols;
  // A Uint16 column index addresses rows of up to 65536 pixels.
  return pixels <= 65536 && pixelDensity(train.images, count, pixels) < SPARSE_DENSITY_LIMIT ? 'sparse' : 'dense';
}

/** The images of one split in the form the first layer reads them. */
export interface SplitImages {
  /** The first layer's input for images `indices`: valid until the next call. */
  batch(indices: Int32Array): Operand;
  /** The labels of images `indices`, written into `out` (of the same length). */
  labelsOf(indices: Int32Array, out: Int32Array): Int32Array;
  /** A hint that images `indices` come next: their pixels start coming from memory. */
  prefetch(indices: Int32Array): void;
  /** Queues out = x W for images `indices` on the background thread; returns the job's ticket. */
  queueProduct(kernels: BackgroundKernels, indices: Int32Array, W: Tensor, out: Tensor): number;
}

/** A split's images in `format`; each caller gets its own (dense rows are gathered into a buffer it owns). */
export function splitImages(split: DatasetSplit, format: 'sparse' | 'dense', ops: TensorOps, dtype: DType): SplitImages {
  return format === 'sparse' ? new SparseSplitImages(split, ops) : new DenseSplitImages(split, ops, dtype);
}

abstract class LabelledSplit {
  constructor(protected readonly split: DatasetSplit) {}

  labelsOf(indices: Int32Array, out: Int32Array): Int32Array {
    for (let i = 0; i < indices.length; i++) out[i] = this.split.labels[indices[i]];
    return out;
  }
}

/** Images as their nonzero pixels, encoded once per image set: a batch is a list of indices, nothing is gathered. */
class SparseSplitImages extends LabelledSplit implements SplitImages {
  private readonly images: SparseImages;
  private last: SparseBatch | undefined;

  constructor(split: DatasetSplit, private readonly ops: TensorOps) {
    super(split);
    this.images = sparseImagesOf(split.images, split.count, split.rows * split.cols);
  }

  batch(indices: Int32Array): SparseBatch {
    // The trainer draws every batch into one array: one SparseBatch serves them all.
    if (this.last?.indices !== indices) this.last = new SparseBatch(this.images, indices, PIXEL_SCALE);
    return this.last;
  }

  prefetch(indices: Int32Array): void {
    const { rowStart, columns, values } = this.images;
    this.ops.backend.prefetchSparseRows(rowStart, columns, values, indices);
  }

  queueProduct(kernels: BackgroundKernels, indices: Int32Array, W: Tensor, out: Tensor): number {
    const { rowStart, columns, values, rowLength } = this.images;
    return kernels.sparseMatmul(rowStart, columns, values, rowLength, indices, PIXEL_SCALE, W.data, W.shape[1], out.data);
  }
}

/** Images gathered as float rows scaled into [0, 1] (the book's x_batch), into a buffer reused call after call. */
class DenseSplitImages extends LabelledSplit implements SplitImages {
  private readonly pixels: number;
  private buffer: FloatArray;
  private rows: Tensor | undefined;

  constructor(split: DatasetSplit, private readonly ops: TensorOps, private readonly dtype: DType) {
    super(split);
    this.pixels = split.rows * split.cols;
    this.buffer = allocate(dtype, 0);
  }

  batch(indices: Int32Array): Tensor {
    const size = indices.length * this.pixels;
    if (this.rows?.shape[0] !== indices.length) {
      // A short last chunk views the first rows of the buffer it already has.
      if (this.buffer.length < size) this.buffer = allocate(this.dtype, size);
      this.rows = new Tensor(this.buffer.subarray(0, size), [indices.length, this.pixels]);
    }
    this.ops.gatherRows(this.split.images, indices, PIXEL_SCALE, this.rows);
    return this.rows;
  }

  prefetch(): void {
    // No hint for dense rows: the gather at the start of the step reads each image once, in order.
  }

  queueProduct(kernels: BackgroundKernels, indices: Int32Array, W: Tensor, out: Tensor): number {
    return kernels.gatherMatmul(this.split.images, this.pixels, indices, PIXEL_SCALE, W.data, W.shape[1], out.data);
  }
}
