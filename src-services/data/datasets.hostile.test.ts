import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealHost, type RealHost } from '../api/real-host-fixtures';
import { DatasetCache } from './dataset-source';
import { idxBytes, writeDenseIdxDataset } from './idx-fixtures';
import { bundledMnistDirectory } from './load-dataset';

/** Issue 13, item 9: dataset files are regular, bounded, decompressed no further than their header promises. */
describe('hostile dataset files against a real host', () => {
  let host: RealHost;
  const dir = (name: string): string => join(host.root, name);
  const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;
  /** Peak resident memory of this process (the host's) so far, in bytes. */
  const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

  /** A valid 28x28 set with its training images replaced by `replace(path)`. */
  async function withTrainImages(name: string, replace: (path: string) => void): Promise<string> {
    await writeDenseIdxDataset(dir(name), { train: 10, test: 10 });
    execFileSync('rm', [join(dir(name), 'train-images-idx3-ubyte')]);
    replace(join(dir(name), 'train-images-idx3-ubyte'));
    return dir(name);
  }

  beforeAll(async () => {
    host = await startRealHost();
  });
  afterAll(() => host.close());

  const testImages = (path: string) => host.client.call('testImages', { dataset: { kind: 'idx', path }, offset: 0, count: 1 });

  it('refuses a FIFO, a symlink to /dev/zero, a gzip bomb and an oversized header, naming the file, with host memory bounded', async () => {
    const fifo = await withTrainImages('fifo', (path) => execFileSync('mkfifo', [path]));
    const zero = await withTrainImages('zero', (path) => symlinkSync('/dev/zero', path));
    // 5 GB of zeros in 5 MB: a header declaring ten 28x28 images, then 5000 gzip members of 1 MiB of zeros each.
    const oneMiB = gzipSync(new Uint8Array(2 ** 20), { level: 9 });
    const bomb = await withTrainImages('bomb', (path) =>
      writeFileSync(`${path}.gz`, Buffer.concat([gzipSync(idxBytes([10, 28, 28], new Uint8Array(7840))), ...new Array<Buffer>(5000).fill(oneMiB)])),
    );
    const header = await withTrainImages('header', (path) => writeFileSync(path, idxBytes([100_000, 1000, 1000], [])));
    const before = peakRss();
    const refusals = await Promise.all([fifo, zero, bomb, header].map(async (path) => ((r) => (r.ok ? 'loaded' : r.error))(await testImages(path))));
    const after = peakRss();
    console.log(`[hostile] FIFO / /dev/zero / 5 GB gzip bomb / 1e11-byte header: host peak RSS ${mb(before)} before, ${mb(after)} after (bomb file ${mb(oneMiB.length * 5000)})`);
    expect(refusals).toEqual([
      `${fifo}/train-images-idx3-ubyte: is a FIFO (named pipe), not a regular file`,
      `${zero}/train-images-idx3-ubyte: is a character device, not a regular file`,
      `${bomb}/train-images-idx3-ubyte.gz: decompresses to more than the 10x28x28 (7840 bytes) its header declares; reading stopped there`,
      `${header}/train-images-idx3-ubyte: the header declares 100000x1000x1000 = 100000000000 bytes of data; a dataset file may hold at most 1073741824 (1 GiB)`,
    ]);
    // Before: the FIFO hung a thread for good, /dev/zero passed 6 GB, the bomb reached 5 GB.
    expect(after - before).toBeLessThan(100 * 2 ** 20);
  });

  it('a trainer process refuses a FIFO dataset too, instead of hanging on it', async () => {
    const error = await host.client.error('layerGraph', { config: { dataset: { kind: 'idx', path: dir('fifo') } }, batchSize: 4 });
    expect(error).toBe(`${dir('fifo')}/train-images-idx3-ubyte: is a FIFO (named pipe), not a regular file`);
  });

  it('40 spellings of one dataset folder are one cache entry (and one copy in the host)', async () => {
    const mnist = bundledMnistDirectory();
    const links = join(host.root, 'links');
    mkdirSync(links);
    const spellings = [mnist, `${mnist}/`, `${mnist}//`, `${mnist}/.`, `${mnist}/./`, `${mnist}/../${basename(mnist)}`, `${dirname(mnist)}//${basename(mnist)}`, relative(process.cwd(), mnist), `./${relative(process.cwd(), mnist)}`];
    for (let i = 0; spellings.length < 40; i++) {
      const link = join(links, `mnist-${i}`);
      symlinkSync(mnist, link);
      spellings.push(i % 2 ? `${link}/` : link);
    }
    expect(new Set(spellings).size).toBe(40);
    const cache = new DatasetCache();
    const loaded = await Promise.all(spellings.map((path) => cache.get({ kind: 'idx', path })));
    expect(cache.size).toBe(1);
    expect(new Set(loaded).size).toBe(1);

    const before = process.memoryUsage().rss;
    for (const path of spellings) expect((await testImages(path)).ok).toBe(true);
    const grown = process.memoryUsage().rss - before;
    console.log(`[hostile] 40 spellings of MNIST through testImages: host RSS grew ${mb(grown)} (before: 2.3 GB)`);
    // One MNIST is 55 MB of pixels and labels; forty would be 2.2 GB.
    expect(grown).toBeLessThan(200 * 2 ** 20);
  });
});
