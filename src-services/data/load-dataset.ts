import { existsSync, readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
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

/** The name as published, gzipped or not; some mirrors write "train-images.idx3-ubyte". */
async function findFile(directory: string, name: string): Promise<string | undefined> {
  const dotted = name.replace(/-(idx\d)/, '.$1');
  for (const candidate of [`${name}.gz`, name, `${dotted}.gz`, dotted]) {
    const path = join(directory, candidate);
    try {
      await access(path);
      return path;
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
  return { images: images.data, labels: labels.data, count, rows, cols };
}

/** Loads the four IDX files of an MNIST-style directory (MNIST, Fashion-MNIST, ...), checked. */
export async function loadIdxDataset(directory: string): Promise<Dataset> {
  const dir = resolve(directory);
  if (!existsSync(dir)) throw new DatasetError(dir, 'dataset directory not found');
  const found = await Promise.all(Object.values(FILES).map((name) => findFile(dir, name)));
  const missing = Object.values(FILES).filter((_, i) => !found[i]);
  if (missing.length > 0) {
    throw new DatasetError(dir, `missing ${missing.map((m) => `${m}[.gz]`).join(', ')}`);
  }
  const [trainImages, trainLabels, testImages, testLabels] = found as string[];
  const [train, test] = await Promise.all([loadSplit(trainImages, trainLabels), loadSplit(testImages, testLabels)]);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DatasetError(testImages, `image size mismatch: ${test.rows}x${test.cols} here but ${train.rows}x${train.cols} in ${basename(trainImages)}`);
  }
  let maxLabel = 0;
  for (const labels of [train.labels, test.labels]) for (let i = 0; i < labels.length; i++) if (labels[i] > maxLabel) maxLabel = labels[i];
  return { name: basename(dir), directory: dir, train, test, classes: maxLabel + 1 };
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
