import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetError } from './idx';
import { idxBytes, writeDenseIdxDataset } from './idx-fixtures';
import { bundledMnistDirectory, loadIdxDataset } from './load-dataset';

/** A tiny MNIST-style directory: count images of rows x cols, labels i % 10. */
async function tinyDataset(options: { train?: number; test?: number; trainLabels?: number; testSize?: [number, number]; gzip?: boolean } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bpw-ds-'));
  const write = async (name: string, bytes: Uint8Array): Promise<void> => {
    await writeFile(join(dir, options.gzip === false ? name : `${name}.gz`), options.gzip === false ? bytes : gzipSync(bytes));
  };
  const train = options.train ?? 6;
  const test = options.test ?? 4;
  const [tr, tc] = options.testSize ?? [2, 2];
  await write('train-images-idx3-ubyte', idxBytes([train, 2, 2], new Array(train * 4).fill(255)));
  await write('train-labels-idx1-ubyte', idxBytes([options.trainLabels ?? train], Array.from({ length: options.trainLabels ?? train }, (_, i) => i % 10)));
  await write('t10k-images-idx3-ubyte', idxBytes([test, tr, tc], new Array(test * tr * tc).fill(0)));
  await write('t10k-labels-idx1-ubyte', idxBytes([test], Array.from({ length: test }, (_, i) => i % 3)));
  return dir;
}

describe('loading an IDX dataset directory', () => {
  it('loads gzipped or raw files and counts the classes', async () => {
    for (const gzip of [true, false]) {
      const dataset = await loadIdxDataset(await tinyDataset({ gzip }));
      expect([dataset.train.count, dataset.test.count, dataset.train.rows, dataset.train.cols, dataset.classes]).toEqual([6, 4, 2, 2, 6]);
    }
  });

  it('names both files and both counts when images and labels disagree', async () => {
    const error = await loadIdxDataset(await tinyDataset({ trainLabels: 5 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toMatch(/train-labels-idx1-ubyte.gz: count mismatch: 5 labels but train-images-idx3-ubyte.gz holds 6 images/);
  });

  it('rejects test images of another size than the training images', async () => {
    await expect(loadIdxDataset(await tinyDataset({ testSize: [3, 2] }))).rejects.toThrow(/t10k-images-idx3-ubyte.gz: image size mismatch: 3x2 here but 2x2/);
  });

  it('names the directory and every missing file', async () => {
    const dir = await tinyDataset();
    await rm(join(dir, 't10k-labels-idx1-ubyte.gz'));
    await rm(join(dir, 'train-images-idx3-ubyte.gz'));
    await expect(loadIdxDataset(dir)).rejects.toThrow(new RegExp(`${dir}: missing train-images-idx3-ubyte\\[.gz\\], t10k-labels-idx1-ubyte\\[.gz\\]`));
    await expect(loadIdxDataset('/nonexistent-dir')).rejects.toThrow(/nonexistent-dir: dataset directory not found/);
  });

  it('rejects label files with more than one dimension and images with fewer than three', async () => {
    const dir = await tinyDataset();
    await writeFile(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idxBytes([6, 1], [0, 1, 2, 3, 4, 5])));
    await expect(loadIdxDataset(dir)).rejects.toThrow(/train-labels-idx1-ubyte.gz: expected labels of 1 dimension, found 2/);
    const dir2 = await tinyDataset();
    await writeFile(join(dir2, 't10k-images-idx3-ubyte.gz'), gzipSync(idxBytes([4, 4], new Array(16).fill(0))));
    await expect(loadIdxDataset(dir2)).rejects.toThrow(/t10k-images-idx3-ubyte.gz: expected images of 3 dimensions/);
  });

  it('the bundled MNIST matches its checksums and the published contents', async () => {
    const dir = bundledMnistDirectory();
    const sums = (await readFile(join(dir, 'CHECKSUMS.txt'), 'utf8')).split('\n').filter((l) => /^[0-9a-f]{64}  /.test(l));
    expect(sums).toHaveLength(4);
    for (const line of sums) {
      const [hash, name] = line.split(/\s+/);
      expect(createHash('sha256').update(await readFile(join(dir, name))).digest('hex'), name).toBe(hash);
    }
    const mnist = await loadIdxDataset(dir);
    expect([mnist.train.count, mnist.test.count, mnist.train.rows, mnist.train.cols, mnist.classes]).toEqual([60000, 10000, 28, 28, 10]);
    expect(Array.from(mnist.train.labels.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(Array.from(mnist.test.labels.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    let sum = 0;
    for (let i = 0; i < mnist.train.images.length; i++) sum += mnist.train.images[i];
    expect(sum / mnist.train.images.length).toBeCloseTo(33.318, 3);
  });

  it('loads a dense IDX set by path, named after its folder, byte for byte', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'bpw-ds-')), 'dense-set');
    const written = await writeDenseIdxDataset(dir, { train: 120, test: 30, rows: 8, cols: 6, classes: 4, gzip: true });
    const dense = await loadIdxDataset(dir);
    expect(dense.name).toBe('dense-set');
    expect(dense.directory).toBe(dir);
    expect([dense.train.count, dense.test.count, dense.train.rows, dense.train.cols, dense.classes]).toEqual([120, 30, 8, 6, 4]);
    expect(dense.train.images).toEqual(written.train.images);
    expect(dense.train.labels).toEqual(written.train.labels);
    expect(dense.test.images).toEqual(written.test.images);
    expect(dense.test.labels).toEqual(written.test.labels);
    // Dense: no pixel is zero, unlike MNIST's black background.
    expect(dense.train.images.every((v) => v > 0)).toBe(true);
  });
});
