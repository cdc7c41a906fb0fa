import type { Backend, FloatArray, WindowArgs } from '../../backend';
import { requireDims, requireLength, requireNoOverlap, requireSameDtype } from './checks';
import { convKernels, geometry } from './conv';
import { denseKernels } from './dense';

/**
 * The Convolution layer's three passes the book's way (common/layers.py), from the kernels beside this file:
 * col = im2col(x) with rows (N, out_h, out_w) and columns (C, FH, FW); forward out = col W^T + b turned into
 * (N, FN, out_h, out_w) images; backward with dout as rows (N*out_h*out_w, FN): db = dout.sum(axis=0),
 * dW = dout^T col, dx = col2im(dout W). col and the row matrices are scratch arrays kept between calls.
 */
export const convolutionKernels: Pick<Backend, 'convForward' | 'convBackwardFilters' | 'convBackwardInput'> = {
  convForward(x, w, bias, out, filters, ...window) {
    const g = convGeometry('convForward', filters, window);
    requireSameDtype('convForward', x, w, bias, out);
    requireLength('convForward', x, g.imageSize, `x ${g.imageShape}`);
    requireLength('convForward', w, g.filterSize, `w ${g.filterShape}`);
    requireLength('convForward', bias, filters, `bias ${filters}`);
    requireLength('convForward', out, g.outSize, `out ${g.outShape}`);
    if (g.outSize === 0) return;
    for (const input of [x, w, bias]) requireNoOverlap('convForward', out, input, 'out must not overlap x, w or bias');
    const col = scratch(x, 0, g.colSize);
    convKernels.im2col(x, col, ...window);
    const rows = scratch(x, 1, g.outSize);
    denseKernels.gemm(false, true, g.rows, filters, g.k, 1, col, w, 0, rows);
    denseKernels.addBias(rows, g.rows, filters, bias, false);
    convKernels.transposeBatch(rows, out, g.n, g.outH * g.outW, filters);
  },

  convBackwardFilters(x, dout, dw, db, filters, ...window) {
    const g = convGeometry('convBackwardFilters', filters, window);
    requireSameDtype('convBackwardFilters', x, dout, dw, db);
    requireLength('convBackwardFilters', x, g.imageSize, `x ${g.imageShape}`);
    requireLength('convBackwardFilters', dout, g.outSize, `dout ${g.outShape}`);
    requireLength('convBackwardFilters', dw, g.filterSize, `dw ${g.filterShape}`);
    requireLength('convBackwardFilters', db, filters, `db ${filters}`);
    if (g.filterSize > 0) for (const input of [x, dout]) requireNoOverlap('convBackwardFilters', dw, input, 'dw must not overlap x or dout');
    if (g.filterSize > 0) requireNoOverlap('convBackwardFilters', dw, db, 'db must not overlap dw, x or dout');
    if (filters > 0) for (const input of [x, dout]) requireNoOverlap('convBackwardFilters', db, input, 'db must not overlap dw, x or dout');
    const col = scratch(x, 0, g.colSize);
    convKernels.im2col(x, col, ...window);
    const rows = doutRows(dout, g, filters);
    denseKernels.colSums(rows, g.rows, filters, db);
    denseKernels.gemm(true, false, filters, g.k, g.rows, 1, rows, col, 0, dw);
  },

  convBackwardInput(dout, w, dx, filters, ...window) {
    const g = convGeometry('convBackwardInput', filters, window);
    requireSameDtype('convBackwardInput', dout, w, dx);
    requireLength('convBackwardInput', dout, g.outSize, `dout ${g.outShape}`);
    requireLength('convBackwardInput', w, g.filterSize, `w ${g.filterShape}`);
    requireLength('convBackwardInput', dx, g.imageSize, `dx ${g.imageShape}`);
    if (g.imageSize > 0) for (const input of [dout, w]) requireNoOverlap('convBackwardInput', dx, input, 'dx must not overlap dout or w');
    const rows = doutRows(dout, g, filters);
    const dcol = scratch(dout, 0, g.colSize);
    denseKernels.gemm(false, false, g.rows, g.k, filters, 1, rows, w, 0, dcol);
    convKernels.col2im(dcol, dx, ...window);
  },
};

/** The window's sizes (see geometry) and the filters': K = C*FH*FW, the col matrix's rows and size. */
export function convGeometry(name: string, filters: number, window: WindowArgs) {
  requireDims(name, { filters });
  const g = geometry(name, window);
  const k = g.c * g.fh * g.fw;
  return {
    ...g,
    filters,
    k,
    rows: g.n * g.outH * g.outW,
    filterSize: filters * k,
    filterShape: `${filters}x${g.c}x${g.fh}x${g.fw}`,
    outSize: g.n * filters * g.outH * g.outW,
    outShape: `${g.n}x${filters}x${g.outH}x${g.outW}`,
  };
}

/** dout (N, FN, out_h, out_w) as rows (N*out_h*out_w, FN): the book's dout.transpose(0, 2, 3, 1).reshape(-1, FN). */
function doutRows(dout: FloatArray, g: ReturnType<typeof convGeometry>, filters: number): FloatArray {
  const rows = scratch(dout, 1, g.outSize);
  convKernels.transposeBatch(dout, rows, g.n, filters, g.outH * g.outW);
  return rows;
}

const scratches: { float32: Float32Array[]; float64: Float64Array[] } = { float32: [], float64: [] };

/** Scratch array `slot` of like's dtype, at least `size` long; its contents are left over from earlier calls. Slots 0 and 1 are this file's. */
export function scratch(like: FloatArray, slot: number, size: number): FloatArray {
  if (like instanceof Float64Array) {
    const have = scratches.float64[slot];
    return have && have.length >= size ? have.subarray(0, size) : (scratches.float64[slot] = new Float64Array(size));
  }
  const have = scratches.float32[slot];
  return have && have.length >= size ? have.subarray(0, size) : (scratches.float32[slot] = new Float32Array(size));
}
