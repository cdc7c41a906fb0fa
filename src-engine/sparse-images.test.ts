import { describe, expect, it } from 'vitest';
import { Rng } from './rng';
import { randomImages } from './sparse-fixtures';
import { encodeSparseImages, pixelDensity, SparseBatch, sparseImagesOf, type SparseImages } from './sparse-images';

/** Index of the first differing byte, -1 when equal (vitest's toEqual is slow on 64K-element arrays). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** The dense pixels back from the CSR form, by the definition in sparse-images.ts. */
function decode(s: SparseImages): Uint8Array {
  const dense = new Uint8Array(s.count * s.rowLength);
  for (let i = 0; i < s.count; i++) {
    for (let j = s.rowStart[i]; j < s.rowStart[i + 1]; j++) dense[i * s.rowLength + s.columns[j]] = s.values[j];
  }
  return dense;
}

describe('sparse images', () => {
  it('encode -> decode gives the source pixels back, with one entry per nonzero pixel in column order', () => {
    const rng = new Rng(31);
    // Odd sizes, a single pixel per row, empty and full images (densities 0 and 1).
    // Rows of a multiple of 4 pixels are read four at a time; an unaligned copy of the same pixels takes the
    // byte path and must encode the same.
    for (const [count, rowLength, density] of [[1, 1, 1], [1, 1, 0], [7, 28, 0.19], [13, 301, 0.5], [5, 784, 0], [4, 9, 1], [60, 17, 0.05], [9, 784, 0.19], [3, 8, 1]] as const) {
      const images = randomImages(count, rowLength, density, rng);
      const unaligned = new Uint8Array(images.length + 1).subarray(1);
      unaligned.set(images);
      const byBytes = encodeSparseImages(unaligned, count, rowLength);
      const s = encodeSparseImages(images, count, rowLength);
      expect([byBytes.rowStart, byBytes.columns, byBytes.values]).toEqual([s.rowStart, s.columns, s.values]);
      expect([s.count, s.rowLength]).toEqual([count, rowLength]);
      expect(s.rowStart).toBeInstanceOf(Int32Array);
      expect(s.columns).toBeInstanceOf(Uint16Array);
      expect(s.values).toBeInstanceOf(Uint8Array);
      expect(s.rowStart.length).toBe(count + 1);
      expect(s.rowStart[0]).toBe(0);
      const nonzero = images.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0);
      expect(s.rowStart[count]).toBe(nonzero);
      expect(s.columns.length).toBe(nonzero);
      expect(s.values.length).toBe(nonzero);
      for (let i = 0; i < count; i++) {
        for (let j = s.rowStart[i] + 1; j < s.rowStart[i + 1]; j++) expect(s.columns[j], `image ${i}`).toBeGreaterThan(s.columns[j - 1]);
      }
      expect(s.values.every((v) => v !== 0)).toBe(true);
      expect(firstDifference(decode(s), images)).toBe(-1);
    }
  });

  it('reads only the first count x rowLength bytes, and throws on a short buffer or rows wider than a Uint16 column', () => {
    const images = new Uint8Array([0, 5, 0, 7, 9, 9]);
    const s = encodeSparseImages(images, 1, 4); // the last two bytes are not part of the set
    expect(Array.from(s.rowStart)).toEqual([0, 2]);
    expect(Array.from(s.columns)).toEqual([1, 3]);
    expect(Array.from(s.values)).toEqual([5, 7]);
    expect(() => encodeSparseImages(new Uint8Array(11), 3, 4)).toThrow(RangeError);
    expect(() => encodeSparseImages(new Uint8Array(11), 3, 4)).toThrow(/3 images of 4 pixels need 12 bytes, got 11/);
    expect(() => encodeSparseImages(new Uint8Array(65537), 1, 65537)).toThrow(/rows of 65537 pixels exceed the 65536/);
    // 65536 pixels is the widest row: its last column, 65535, still fits a Uint16.
    const wide = new Uint8Array(65536);
    wide[0] = 1;
    wide[65535] = 255;
    const w = encodeSparseImages(wide, 1, 65536);
    expect(Array.from(w.columns)).toEqual([0, 65535]);
    expect(firstDifference(decode(w), wide)).toBe(-1);
    // Zero images: one rowStart entry, nothing stored.
    const none = encodeSparseImages(new Uint8Array(0), 0, 784);
    expect(Array.from(none.rowStart)).toEqual([0]);
    expect(none.columns.length).toBe(0);
  });

  it('pixelDensity is the nonzero share of the first `sample` images, 1 for no pixels', () => {
    // Image 0: 1 of 4 nonzero; image 1: 4 of 4; image 2: 0 of 4.
    const images = new Uint8Array([0, 0, 3, 0, 1, 2, 3, 4, 0, 0, 0, 0]);
    expect(pixelDensity(images, 3, 4)).toBe(5 / 12);
    expect(pixelDensity(images, 3, 4, 2)).toBe(5 / 8);
    expect(pixelDensity(images, 3, 4, 1)).toBe(1 / 4);
    expect(pixelDensity(images, 1, 4, 1000)).toBe(1 / 4); // sample larger than count
    expect(pixelDensity(images, 0, 4)).toBe(1);
    expect(pixelDensity(images, 3, 0)).toBe(1);
    const rng = new Rng(3);
    // 2000 x 100 Bernoulli(0.3) pixels: the first 1000 images (1e5 pixels) give 0.3 +- 4.6 standard errors (0.0067).
    const random = randomImages(2000, 100, 0.3, rng);
    expect(Math.abs(pixelDensity(random, 2000, 100) - 0.3)).toBeLessThan(0.0067);
  });

  it('sparseImagesOf encodes an array once and re-encodes when count or rowLength change', () => {
    const rng = new Rng(8);
    const images = randomImages(6, 10, 0.4, rng);
    const a = sparseImagesOf(images, 6, 10);
    expect(a).toEqual(encodeSparseImages(images, 6, 10));
    expect(sparseImagesOf(images, 6, 10)).toBe(a);
    const fewer = sparseImagesOf(images, 4, 10);
    expect(fewer).not.toBe(a);
    expect(fewer.count).toBe(4);
    expect(decode(fewer)).toEqual(images.subarray(0, 40));
    const narrower = sparseImagesOf(images, 12, 5);
    expect([narrower.count, narrower.rowLength]).toEqual([12, 5]);
    expect(decode(narrower)).toEqual(images);
    // Another array with the same contents is another cache entry.
    const copy = images.slice();
    const b = sparseImagesOf(copy, 6, 10);
    expect(b).not.toBe(a);
    expect(b).toEqual(a);
    expect(sparseImagesOf(copy, 6, 10)).toBe(b);
  });

  it('a SparseBatch is the (indices, row length) matrix of its images, and sees later index writes', () => {
    const images = encodeSparseImages(new Uint8Array([0, 1, 2, 3, 0, 0, 9, 0, 0]), 3, 3);
    const indices = new Int32Array([2, 0, 2, 1]);
    const batch = new SparseBatch(images, indices, 1 / 255);
    expect([batch.shape, batch.scale]).toEqual([[4, 3], 1 / 255]);
    expect(batch.images).toBe(images);
    // The trainer redraws the same Int32Array every step: the batch holds it by reference.
    expect(batch.indices).toBe(indices);
    indices[0] = 1;
    expect(batch.indices[0]).toBe(1);
    expect(new SparseBatch(images, new Int32Array(0), 1).shape).toEqual([0, 3]);
  });
});
