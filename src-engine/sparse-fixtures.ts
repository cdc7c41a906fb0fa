// Random images for tests: dense, and in the CSR form of sparse-images.ts.
import type { Rng } from './rng';
import { encodeSparseImages, type SparseImages } from './sparse-images';

/** count x rowLength uint8 pixels, each nonzero (1..255) with probability `density`. */
export function randomImages(count: number, rowLength: number, density: number, rng: Rng): Uint8Array {
  const images = new Uint8Array(count * rowLength);
  for (let i = 0; i < images.length; i++) if (rng.uniform() < density) images[i] = 1 + rng.integer(255);
  return images;
}

/** The same random images encoded (columns ascending per image), with the dense pixels they encode. */
export function randomSparse(count: number, rowLength: number, density: number, rng: Rng): SparseImages & { readonly dense: Uint8Array } {
  const dense = randomImages(count, rowLength, density, rng);
  return { ...encodeSparseImages(dense, count, rowLength), dense };
}
