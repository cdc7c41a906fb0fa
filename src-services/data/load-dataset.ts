import { existsSync, readFileSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset, DatasetSplit } from '../../src-engine/dataset';
import { DatasetError, readIdxFile } from './idx';

/** The four files of an MNIST-style dataset, by their standard names. */
const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Pixels per image at most: the largest network input the config accepts. */
const MAX_IMAGE_PIXELS = 1_000_000;

/** The name as published, gzipped or not; some mirrors write "train-images.idx3-ubyte". */
async function findFile(directory: string, name: string): Promise<{ path: string; info: Stats } | undefined> {
  const dotted = name.replace(/-(idx\d)/, '.$1');
  for (const candidate of [`${name}.gz`, name, `${dotted}.gz`, dotted]) {
    const path = join(directory, candidate);
    try {
      // Whatever is there is found (the reader refuses what is not a regular file, naming it).
      return { path, info: await stat(path) };
    } catch {
      // try the next spelling
    }
  }
  return undefined;
}

async function loadSplit(imagesPath: string, labelsPath: string): Promise<DatasetSplit> {
  const [images, labels] = await Promise.all([readIdxFile(imagesPath), readIdxFile(labelsPath)]);
  if (images.dims.length !== 3) {
    throw new DatasetError(imagesPath, `expected images of 3 dimensions (count x rows x cols), found ${images.dims.length} (${images.dims.join('x')})`);
  }
  if (labels.dims.length !== 1) {
    throw new DatasetError(labelsPath, `expected labels of 1 dimension, found ${labels.dims.length} (${labels.dims.join('x')})`);
  }
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DatasetError(labelsPath, `count mismatch: ${labels.dims[0]} labels but ${basename(imagesPath)} holds ${count} images`);
  }
  if (rows === 0 || cols === 0) throw new DatasetError(imagesPath, `images of ${rows}x${cols} pixels are empty`);
  if (rows * cols > MAX_IMAGE_PIXELS) throw new DatasetError(imagesPath, `images of ${rows}x${cols} pixels are larger than the ${MAX_IMAGE_PIXELS} pixels a network takes`);
  return { images: images.data, labels: labels.data, count, rows, cols };
}

/** A dataset directory's four files, found, with what identifies their contents. */
export interface LocatedDataset {
  /** The directory with every symlink and relative part resolved. */
  readonly directory: string;
  readonly files: readonly [trainImages: string, trainLabels: string, testImages: string, testLabels: string];
  /** Same key, same bytes: the real directory, and each file's device, inode, size and modification time. */
  readonly identity: string;
}

/** Finds the four IDX files of an MNIST-style directory, without reading them. */
export async function locateIdxDataset(directory: string): Promise<LocatedDataset> {
  let dir: string;
  try {
    dir = await realpath(resolve(directory));
  } catch {
    throw new DatasetError(resolve(directory), 'dataset directory not found');
  }
  if (!(await stat(dir)).isDirectory()) throw new DatasetError(dir, 'is not a directory; a dataset is a directory of IDX files');
  const found = await Promise.all(Object.values(FILES).map((name) => findFile(dir, name)));
  const missing = Object.values(FILES).filter((_, i) => !found[i]);
  if (missing.length > 0) {
    throw new DatasetError(dir, `missing ${missing.map((m) => `${m}[.gz]`).join(', ')}`);
  }
  const located = found as Array<{ path: string; info: Stats }>;
  const identity = [dir, ...located.map(({ path, info }) => `${basename(path)}:${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}`)].join('|');
  const [trainImages, trainLabels, testImages, testLabels] = located.map((f) => f.path);
  return { directory: dir, files: [trainImages!, trainLabels!, testImages!, testLabels!], identity };
}

/** Reads and checks a located dataset. */
export async function readIdxDataset(located: LocatedDataset): Promise<Dataset> {
  const { directory: dir, files } = located;
  const [trainImages, trainLabels, testImages, testLabels] = files;
  const [train, test] = await Promise.all([loadSplit(trainImages, trainLabels), loadSplit(testImages, testLabels)]);
  if (train.count === 0) throw new DatasetError(trainImages, 'holds 0 images: training needs at least one');
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DatasetError(testImages, `image size mismatch: ${test.rows}x${test.cols} here but ${train.rows}x${train.cols} in ${basename(trainImages)}`);
  }
  let maxLabel = 0;
  for (const labels of [train.labels, test.labels]) for (let i = 0; i < labels.length; i++) if (labels[i] > maxLabel) maxLabel = labels[i];
  return { name: basename(dir), directory: dir, train, test, classes: maxLabel + 1 };
}

/** Loads the four IDX files of an MNIST-style directory (MNIST, Fashion-MNIST, ...), checked. */
export async function loadIdxDataset(directory: string): Promise<Dataset> {
  return readIdxDataset(await locateIdxDataset(directory));
}

/** The project root: the nearest folder upwards holding this project's package.json. */
export function projectRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'backprop-workbench') return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the backprop-workbench project root above ${from}`);
    dir = parent;
  }
}

/** MNIST as bundled with the app (BACKPROP_DATASETS_DIR/mnist overrides it, e.g. for a packaged app). */
export function bundledMnistDirectory(): string {
  const override = process.env.BACKPROP_DATASETS_DIR;
  return override ? join(override, 'mnist') : join(projectRoot(), 'resources', 'datasets', 'mnist');
}
