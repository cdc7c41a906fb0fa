import type { Backend, SparseProductArgs } from '../../../src-engine/backend';
import { requireLength, requireNoOverlap, requireSameDtype } from '../../../src-engine/backends/ts/checks';
import { checkSparseProduct } from '../../../src-engine/backends/ts/images';
import { dtypeFlag, requireKind, requireWasmDims } from './wasm-checks';
import { IN, OUT, type WasmFrame } from './wasm-frame';
import { ResidentImageSets, type ResidentSet } from './wasm-image-sets';
import type { WasmKernels } from './wasm-module';

/**
 * The first layer's input kernels. The image sets are large (MNIST's training pixels are 47 MB, its sparse
 * encoding 27 MB): an encoded set the size of a dataset is kept in module memory across calls
 * (wasm-image-sets.ts); otherwise a call copies only the rows its batch reads: the gather's source rows, or
 * the batch's pixel lists as a small encoding of its own (image r of the batch is row r).
 */
export function imageKernels(k: WasmKernels, f: WasmFrame): Pick<Backend, 'gatherRows' | 'sparseMatmul' | 'sparseMatmulTransposed' | 'prefetchSparseRows'> {
  const sets = new ResidentImageSets(k);
  const sparse = (name: string, transposed: boolean, args: SparseProductArgs): void => {
    const [rowStart, columns, values, rowLength, indices, scale, dense, n, out] = args;
    requireKind(name, rowStart, Int32Array, 'rowStart');
    requireKind(name, columns, Uint16Array, 'columns');
    requireKind(name, values, Uint8Array, 'values');
    requireKind(name, indices, Int32Array, 'indices');
    requireWasmDims(name, { rowLength, n });
    const resident = sets.find(rowStart, columns, values);
    if (resident && resident.widest < rowLength) {
      residentProduct(name, transposed, args, resident);
      return;
    }
    checkSparseProduct(name, transposed, args);
    const rows = indices.length;
    let pixels = 0;
    for (let r = 0; r < rows; r++) pixels += rowStart[indices[r]! + 1]! - rowStart[indices[r]!]!;
    f.begin();
    const sStart = f.reserve((rows + 1) * 4);
    const sIndices = f.reserve(rows * 4);
    const sColumns = f.reserve(pixels * 2);
    const sValues = f.reserve(pixels);
    const sDense = f.add(dense, (transposed ? rows : rowLength) * n, IN);
    const sOut = f.add(out, (transposed ? rowLength : rows) * n, OUT);
    f.place();
    const memory = f.memory().buffer;
    const batchStart = new Int32Array(memory, f.pointer(sStart), rows + 1);
    const batchIndices = new Int32Array(memory, f.pointer(sIndices), rows);
    const batchColumns = new Uint16Array(memory, f.pointer(sColumns), pixels);
    const batchValues = new Uint8Array(memory, f.pointer(sValues), pixels);
    let at = 0;
    for (let r = 0; r < rows; r++) {
      const image = indices[r]!;
      const begin = rowStart[image]!;
      const end = rowStart[image + 1]!;
      batchStart[r] = at;
      batchIndices[r] = r;
      batchColumns.set(columns.subarray(begin, end), at);
      batchValues.set(values.subarray(begin, end), at);
      at += end - begin;
    }
    batchStart[rows] = at;
    k.sparseMatmul(dtypeFlag(out), transposed ? 1 : 0, f.pointer(sStart), f.pointer(sColumns), f.pointer(sValues), rowLength, f.pointer(sIndices), rows, scale, f.pointer(sDense), n, f.pointer(sOut));
    f.finish();
  };

  /** A product over a set kept in module memory: only the batch's indices, the dense operand and out travel. */
  const residentProduct = (name: string, transposed: boolean, args: SparseProductArgs, set: ResidentSet): void => {
    const [rowStart, columns, values, rowLength, indices, scale, dense, n, out] = args;
    const rows = indices.length;
    requireSameDtype(name, dense, out);
    const [denseRows, outRows] = transposed ? [rows, rowLength] : [rowLength, rows];
    requireLength(name, dense, denseRows * n, `${transposed ? 'dout' : 'W'} ${denseRows}x${n}`);
    requireLength(name, out, outRows * n, `out ${outRows}x${n}`);
    requireNoOverlap(name, out, dense, 'out must not overlap its input');
    for (const encoding of [rowStart, columns, values, indices]) requireNoOverlap(name, out, encoding, 'out must not overlap rowStart, columns, values or indices');
    for (let r = 0; r < rows; r++) {
      const i = indices[r]!;
      if (!(i >= 0 && i < set.images)) throw new RangeError(`${name}: index ${i} at position ${r} is outside [0, ${set.images})`);
    }
    f.begin();
    const sIndices = f.add(indices, rows, IN);
    const sDense = f.add(dense, denseRows * n, IN);
    const sOut = f.add(out, outRows * n, OUT);
    f.place();
    k.sparseMatmul(dtypeFlag(out), transposed ? 1 : 0, set.rowStart, set.columns, set.values, rowLength, f.pointer(sIndices), rows, scale, f.pointer(sDense), n, f.pointer(sOut));
    f.finish();
  };

  return {
    gatherRows(src, rowLength, indices, scale, out) {
      requireKind('gatherRows', src, Uint8Array, 'src');
      requireKind('gatherRows', indices, Int32Array, 'indices');
      requireWasmDims('gatherRows', { rowLength });
      requireSameDtype('gatherRows', out);
      const rows = indices.length;
      requireLength('gatherRows', out, rows * rowLength, `out ${rows}x${rowLength}`);
      requireNoOverlap('gatherRows', out, src, 'out must not overlap src or indices');
      requireNoOverlap('gatherRows', out, indices, 'out must not overlap src or indices');
      const available = rowLength === 0 ? Infinity : Math.floor(src.length / rowLength);
      for (let r = 0; r < rows; r++) {
        const index = indices[r]!;
        if (!(index >= 0 && index < available)) throw new RangeError(`gatherRows: index ${index} at position ${r} is outside [0, ${available})`);
      }
      f.begin();
      const sRows = f.reserve(rows * rowLength);
      const sIndices = f.reserve(rows * 4);
      const sOut = f.add(out, rows * rowLength, OUT);
      f.place();
      const memory = f.memory();
      const batchIndices = new Int32Array(memory.buffer, f.pointer(sIndices), rows);
      const base = f.pointer(sRows);
      for (let r = 0; r < rows; r++) {
        const from = indices[r]! * rowLength;
        memory.set(src.subarray(from, from + rowLength), base + r * rowLength);
        batchIndices[r] = r;
      }
      k.gatherRows(dtypeFlag(out), base, rowLength, f.pointer(sIndices), rows, scale, f.pointer(sOut));
      f.finish();
    },

    sparseMatmul(...args) {
      sparse('sparseMatmul', false, args);
    },

    sparseMatmulTransposed(...args) {
      sparse('sparseMatmulTransposed', true, args);
    },

    prefetchSparseRows() {
      // A cache hint: the module's memory holds only the batch it copies in, so there is nothing to fetch ahead.
    },
  };
}
