import type { Backend, FloatArray, SparseProductArgs } from '../../backend';
import { requireLength, requireSameDtype, requireNoOverlap, requireDims } from './checks';

/** The first layer's input kernels: the minibatch gather from uint8 images and the sparse products over encoded images. */
export const imagesKernels: Pick<Backend, 'gatherRows' | 'sparseMatmul' | 'prefetchSparseRows' | 'sparseMatmulTransposed'> = {
  gatherRows(src, rowLength, indices, scale, out) {
    requireDims('gatherRows', { rowLength });
    const rows = indices.length;
    const available = rowLength === 0 ? Infinity : Math.floor(src.length / rowLength);
    requireSameDtype('gatherRows', out);
    requireLength('gatherRows', out, rows * rowLength, `out ${rows}x${rowLength}`);
    // The indices are checked as rows are written: out must not be able to change them, nor src.
    requireNoOverlap('gatherRows', out, src, 'out must not overlap src or indices');
    requireNoOverlap('gatherRows', out, indices, 'out must not overlap src or indices');
    for (let r = 0; r < rows; r++) {
      const index = indices[r];
      if (!(index >= 0 && index < available)) {
        throw new RangeError(`gatherRows: index ${index} at position ${r} is outside [0, ${available})`);
      }
      const from = index * rowLength;
      const to = r * rowLength;
      for (let j = 0; j < rowLength; j++) out[to + j] = src[from + j] * scale;
    }
  },

  sparseMatmul(...args) {
    checkSparseProduct('sparseMatmul', false, args);
    const [rowStart, columns, values, , indices, scale, w, n, out] = args;
    const rows = indices.length;
    out.fill(0, 0, rows * n);
    for (let r = 0; r < rows; r++) {
      const image = indices[r];
      for (let j = rowStart[image]; j < rowStart[image + 1]; j++) {
        // The sums run in the dense i-k-j order minus the zeros.
        const v = scaledPixel(values[j], scale, out);
        const rowW = columns[j] * n;
        for (let c = 0; c < n; c++) out[r * n + c] += v * w[rowW + c];
      }
    }
  },

  prefetchSparseRows() {
    // JavaScript has no cache hints.
  },

  sparseMatmulTransposed(...args) {
    checkSparseProduct('sparseMatmulTransposed', true, args);
    const [rowStart, columns, values, rowLength, indices, scale, dout, n, out] = args;
    const rows = indices.length;
    out.fill(0, 0, rowLength * n);
    for (let r = 0; r < rows; r++) {
      const image = indices[r];
      for (let j = rowStart[image]; j < rowStart[image + 1]; j++) {
        const v = scaledPixel(values[j], scale, out);
        const rowOut = columns[j] * n;
        for (let c = 0; c < n; c++) out[rowOut + c] += v * dout[r * n + c];
      }
    }
  },
};

/** The pixel as gatherRows would store it in `out`'s dtype. */
function scaledPixel(value: number, scale: number, out: FloatArray): number {
  return out instanceof Float32Array ? Math.fround(value * scale) : value * scale;
}

/**
 * A sparse product's shapes and dtypes (the dense operand is W, rowLength x n, or for the transposed product
 * dout, rows x n) and every pixel it reads: inside the stored arrays and (unless `checkColumns` is false: a
 * background job reports those when it is waited for, as the addon's do) the dense row.
 */
export function checkSparseProduct(name: string, transposed: boolean, args: SparseProductArgs, checkColumns = true): void {
  const [rowStart, columns, values, rowLength, indices, , dense, n, out] = args;
  requireDims(name, { rowLength, n });
  requireSameDtype(name, dense, out);
  const rows = indices.length;
  if (transposed) {
    requireLength(name, dense, rows * n, `dout ${rows}x${n}`);
    requireLength(name, out, rowLength * n, `out ${rowLength}x${n}`);
  } else {
    requireLength(name, dense, rowLength * n, `W ${rowLength}x${n}`);
    requireLength(name, out, rows * n, `out ${rows}x${n}`);
  }
  requireNoOverlap(name, out, dense, 'out must not overlap its input');
  for (const encoding of [rowStart, columns, values, indices]) requireNoOverlap(name, out, encoding, 'out must not overlap rowStart, columns, values or indices');
  const images = rowStart.length - 1;
  if (images < 0) throw new RangeError(`${name}: rowStart needs at least 1 value (images + 1)`);
  if (values.length < columns.length) throw new RangeError(`${name}: values has ${values.length} entries but columns has ${columns.length}`);
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r];
    if (!(i >= 0 && i < images)) throw new RangeError(`${name}: index ${i} at position ${r} is outside [0, ${images})`);
    const begin = rowStart[i];
    const end = rowStart[i + 1];
    if (begin < 0 || end < begin || end > columns.length) {
      throw new RangeError(`${name}: image ${i} spans pixels [${begin}, ${end}) outside the ${columns.length} stored`);
    }
    for (let j = begin; checkColumns && j < end; j++) {
      if (columns[j] >= rowLength) throw new RangeError(`${name}: image ${i} has pixel column ${columns[j]} outside rowLength ${rowLength}`);
    }
  }
}
