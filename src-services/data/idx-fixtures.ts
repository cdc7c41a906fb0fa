// Builds IDX files and whole IDX dataset directories for tests.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** An IDX file: magic 0 0 <type> <ndims>, big-endian dimensions, then the bytes. */
export function idxBytes(dims: number[], data: ArrayLike<number>, type = 0x08): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header.set([0, 0, type, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

export interface DenseSplit {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
}

/**
 * `count` images of rows x cols in which every pixel is lit (a dense set, like Fashion-MNIST and unlike MNIST's
 * mostly black digits): deterministic noise in 1..95, plus a bright band of rows whose position gives the
 * class, so a network learns it quickly. Sample i has label (i + first) % classes.
 */
export function denseSplit(count: number, rows: number, cols: number, classes: number, first = 0): DenseSplit {
  const images = new Uint8Array(count * rows * cols);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = (i + first) % classes;
    labels[i] = label;
    for (let r = 0; r < rows; r++) {
      const band = Math.floor((r * classes) / rows) === label ? 150 : 0;
      for (let c = 0; c < cols; c++) {
        const p = (i * rows + r) * cols + c;
        images[p] = 1 + (Math.imul(p + first, 2654435761) >>> 26) + ((i + r + c) % 32) + band;
      }
    }
  }
  return { images, labels };
}

export interface DenseDatasetOptions {
  readonly train?: number;
  readonly test?: number;
  readonly rows?: number;
  readonly cols?: number;
  readonly classes?: number;
  /** Writes the .gz names (as published) instead of raw files. */
  readonly gzip?: boolean;
}

/** Writes the four files of a dense MNIST-style dataset (see denseSplit) into `directory`; returns its splits. */
export async function writeDenseIdxDataset(directory: string, options: DenseDatasetOptions = {}): Promise<{ train: DenseSplit; test: DenseSplit }> {
  const { train: trainCount = 2000, test: testCount = 500, rows = 28, cols = 28, classes = 10, gzip = false } = options;
  const train = denseSplit(trainCount, rows, cols, classes);
  // The test split starts elsewhere in the class cycle and the noise, so it is not a copy of the training set.
  const test = denseSplit(testCount, rows, cols, classes, 3);
  await mkdir(directory, { recursive: true });
  const write = (name: string, bytes: Uint8Array): Promise<void> => (gzip ? writeFile(join(directory, `${name}.gz`), gzipSync(bytes)) : writeFile(join(directory, name), bytes));
  await Promise.all([
    write('train-images-idx3-ubyte', idxBytes([trainCount, rows, cols], train.images)),
    write('train-labels-idx1-ubyte', idxBytes([trainCount], train.labels)),
    write('t10k-images-idx3-ubyte', idxBytes([testCount, rows, cols], test.images)),
    write('t10k-labels-idx1-ubyte', idxBytes([testCount], test.labels)),
  ]);
  return { train, test };
}
