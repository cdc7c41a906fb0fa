import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetError, parseIdx, readIdxFile } from './idx';
import { idxBytes } from './idx-fixtures';

async function tempFile(name: string, bytes: Uint8Array): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bpw-idx-'));
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

async function problem(name: string, bytes: Uint8Array): Promise<DatasetError> {
  const error = await readIdxFile(await tempFile(name, bytes)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DatasetError);
  return error as DatasetError;
}

describe('IDX reader', () => {
  const images = idxBytes([2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

  it('reads raw and gzipped files alike', async () => {
    for (const bytes of [images, gzipSync(images)]) {
      const idx = await readIdxFile(await tempFile('imgs-idx3-ubyte', bytes));
      expect(idx.dims).toEqual([2, 2, 3]);
      expect(Array.from(idx.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    }
  });

  it('rejects a bad magic number, naming the file', async () => {
    const bad = images.slice();
    bad[0] = 0x50;
    const error = await problem('train-images-idx3-ubyte', bad);
    expect(error.message).toMatch(/train-images-idx3-ubyte: bad magic number 0x50000803/);
  });

  it('rejects unsupported element types and impossible dimension counts', async () => {
    expect((await problem('floats.idx', idxBytes([2], [0, 0], 0x0d))).message).toMatch(/floats.idx: element type float32 \(0xd\) is not supported/);
    expect((await problem('weird.idx', idxBytes([2], [0, 0], 0x42))).message).toMatch(/unknown element type 0x42/);
    const zeroDims = new Uint8Array([0, 0, 8, 0]);
    expect((await problem('nodims.idx', zeroDims)).message).toMatch(/nodims.idx: bad magic number: 0 dimensions/);
  });

  it('rejects truncated data and trailing bytes, with the sizes', async () => {
    expect((await problem('short.idx', images.subarray(0, images.length - 2))).message).toMatch(/short.idx: truncated: the header says 2x2x3 \(12 bytes of data\) but the file holds 10/);
    expect((await problem('header.idx', images.subarray(0, 9))).message).toMatch(/header.idx: truncated: the header needs 16 bytes/);
    const longer = new Uint8Array(images.length + 3);
    longer.set(images);
    expect((await problem('long.idx', longer)).message).toMatch(/long.idx: 3 unexpected bytes after the 2x2x3 data/);
  });

  it('rejects corrupt and truncated gzip streams', async () => {
    const gz = gzipSync(images);
    const corrupt = gz.slice();
    for (let i = 10; i < corrupt.length - 8; i++) corrupt[i] ^= 0x5a;
    expect((await problem('corrupt.gz', corrupt)).message).toMatch(/corrupt.gz: corrupt gzip data/);
    expect((await problem('cut.gz', gz.subarray(0, gz.length - 12))).message).toMatch(/cut.gz: (truncated gzip stream|corrupt gzip data)/);
  });

  it('reads a gzip no further than its header declares, and names a header that promises more than the stream holds', async () => {
    const lying = gzipSync(idxBytes([1000, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
    expect((await problem('lying.gz', lying)).message).toMatch(/lying.gz: truncated: the header says 1000x2x3 \(6000 bytes of data\) but the file holds 12/);
    const longer = gzipSync(new Uint8Array([...images, 0, 0, 0]));
    expect((await problem('long.gz', longer)).message).toMatch(/long.gz: decompresses to more than the 2x2x3 \(12 bytes\) its header declares/);
    // A header in two gzip members, split inside its dimensions.
    const split = Buffer.concat([gzipSync(images.subarray(0, 6)), gzipSync(images.subarray(6))]);
    expect(Array.from((await readIdxFile(await tempFile('split.gz', split))).data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('reports a missing file', async () => {
    await expect(readIdxFile('/nonexistent/t10k-labels-idx1-ubyte.gz')).rejects.toThrow(/t10k-labels-idx1-ubyte.gz: file not found/);
  });

  it('parseIdx works on bytes alone', () => {
    expect(parseIdx(idxBytes([3], [7, 8, 9]), 'x').dims).toEqual([3]);
  });
});
