import type { Backend, FloatArray, WindowArgs } from '../../../src-engine/backend';
import { requireLength, requireNoOverlap, requireSameDtype } from '../../../src-engine/backends/ts/checks';
import { geometry } from '../../../src-engine/backends/ts/conv';
import { convGeometry } from '../../../src-engine/backends/ts/convolution';
import { dtypeFlag, requireKind, requireWasmDims } from './wasm-checks';
import { IN, OUT, type WasmFrame } from './wasm-frame';
import type { WasmKernels } from './wasm-module';

type ConvMethods =
  | 'im2col' | 'col2im' | 'maxPoolForward' | 'maxPoolBackward' | 'reluMaxPoolForward' | 'reluMaxPoolBackward' | 'transposeBatch'
  | 'convForward' | 'convBackwardFilters' | 'convBackwardInput';

/**
 * The convolution and pooling kernels of chapter 7 (native/src/conv_kernels.h and the direct convolution of
 * conv_isa.inc, as the addon runs them; the fused ReLU and max pooling of the networks' fast path), with the
 * reference backend's checks of the window and the sizes; every argmax index is checked before anything is written.
 */
export function convKernels(k: WasmKernels, f: WasmFrame): Pick<Backend, ConvMethods> {
  const windowOf = (name: string, window: WindowArgs) => {
    const [n, channels, height, width, filterHeight, filterWidth, stride, pad] = window;
    requireWasmDims(name, { n, channels, height, width, filterHeight, filterWidth, stride, pad });
    return geometry(name, window);
  };
  const convOf = (name: string, filters: number, window: WindowArgs) => {
    requireWasmDims(name, { filters });
    windowOf(name, window);
    return convGeometry(name, filters, window);
  };
  type PoolKernel = (f64: number, input: number, output: number, argmax: number, ...window: WindowArgs) => void;
  const poolForward = (name: string, kernel: PoolKernel, x: FloatArray, out: FloatArray, argmax: Int32Array, window: WindowArgs): void => {
    const g = windowOf(name, window);
    requireSameDtype(name, x, out);
    requireKind(name, argmax, Int32Array, 'argmax');
    requireLength(name, x, g.imageSize, `x ${g.imageShape}`);
    requireLength(name, out, g.pooledSize, `out ${g.pooledShape}`);
    requireLength(name, argmax, g.pooledSize, `argmax ${g.pooledShape}`);
    if (g.pooledSize > 0) requireNoOverlap(name, out, x, 'out must not overlap x');
    f.begin();
    const sx = f.add(x, g.imageSize, IN);
    const so = f.add(out, g.pooledSize, OUT);
    const sa = f.add(argmax, g.pooledSize, OUT);
    f.place();
    kernel(dtypeFlag(x), f.pointer(sx), f.pointer(so), f.pointer(sa), ...window);
    f.finish();
  };
  // Every argmax index is checked (in the window, or -1 when lowest is -1) before anything is written.
  const poolBackward = (name: string, kernel: PoolKernel, lowest: number, dout: FloatArray, argmax: Int32Array, dx: FloatArray, window: WindowArgs): void => {
    const g = windowOf(name, window);
    requireSameDtype(name, dout, dx);
    requireKind(name, argmax, Int32Array, 'argmax');
    requireLength(name, dout, g.pooledSize, `dout ${g.pooledShape}`);
    requireLength(name, argmax, g.pooledSize, `argmax ${g.pooledShape}`);
    requireLength(name, dx, g.imageSize, `dx ${g.imageShape}`);
    if (g.imageSize > 0) requireNoOverlap(name, dx, dout, 'dx must not overlap dout');
    const size = g.fh * g.fw;
    for (let o = 0; o < g.pooledSize; o++) {
      const best = argmax[o]!;
      if (!(best >= lowest && best < size)) throw new RangeError(`${name}: argmax[${o}] = ${best} is outside the ${g.fh}x${g.fw} window${lowest < 0 ? ' (or -1)' : ''}`);
    }
    f.begin();
    const sd = f.add(dout, g.pooledSize, IN);
    const sa = f.add(argmax, g.pooledSize, IN);
    const sx = f.add(dx, g.imageSize, OUT);
    f.place();
    kernel(dtypeFlag(dout), f.pointer(sd), f.pointer(sa), f.pointer(sx), ...window);
    f.finish();
  };
  return {
    im2col(x, col, ...window) {
      const g = windowOf('im2col', window);
      requireSameDtype('im2col', x, col);
      requireLength('im2col', x, g.imageSize, `x ${g.imageShape}`);
      requireLength('im2col', col, g.colSize, `col ${g.colShape}`);
      if (g.colSize > 0) requireNoOverlap('im2col', col, x, 'col must not overlap x');
      f.begin();
      const sx = f.add(x, g.imageSize, IN);
      const sc = f.add(col, g.colSize, OUT);
      f.place();
      k.im2col(dtypeFlag(x), f.pointer(sx), f.pointer(sc), ...window);
      f.finish();
    },

    col2im(col, dx, ...window) {
      const g = windowOf('col2im', window);
      requireSameDtype('col2im', col, dx);
      requireLength('col2im', col, g.colSize, `col ${g.colShape}`);
      requireLength('col2im', dx, g.imageSize, `dx ${g.imageShape}`);
      if (g.imageSize > 0) requireNoOverlap('col2im', dx, col, 'dx must not overlap col');
      f.begin();
      const sc = f.add(col, g.colSize, IN);
      const sd = f.add(dx, g.imageSize, OUT);
      f.place();
      k.col2im(dtypeFlag(col), f.pointer(sc), f.pointer(sd), ...window);
      f.finish();
    },

    maxPoolForward: (x, out, argmax, ...window) => poolForward('maxPoolForward', k.maxPoolForward, x, out, argmax, window),
    maxPoolBackward: (dout, argmax, dx, ...window) => poolBackward('maxPoolBackward', k.maxPoolBackward, 0, dout, argmax, dx, window),
    reluMaxPoolForward: (x, out, argmax, ...window) => poolForward('reluMaxPoolForward', k.reluMaxPoolForward, x, out, argmax, window),
    reluMaxPoolBackward: (dout, argmax, dx, ...window) => poolBackward('reluMaxPoolBackward', k.reluMaxPoolBackward, -1, dout, argmax, dx, window),

    transposeBatch(x, out, batch, rows, cols) {
      requireWasmDims('transposeBatch', { batch, rows, cols });
      requireSameDtype('transposeBatch', x, out);
      const size = batch * rows * cols;
      requireLength('transposeBatch', x, size, `x ${batch}x${rows}x${cols}`);
      requireLength('transposeBatch', out, size, `out ${batch}x${cols}x${rows}`);
      if (size > 0) requireNoOverlap('transposeBatch', out, x, 'out must not overlap x');
      f.begin();
      const sx = f.add(x, size, IN);
      const so = f.add(out, size, OUT);
      f.place();
      k.transposeBatch(dtypeFlag(x), f.pointer(sx), f.pointer(so), batch, rows, cols);
      f.finish();
    },
    convForward(x, w, bias, out, filters, ...window) {
      const g = convOf('convForward', filters, window);
      requireSameDtype('convForward', x, w, bias, out);
      requireLength('convForward', x, g.imageSize, `x ${g.imageShape}`);
      requireLength('convForward', w, g.filterSize, `w ${g.filterShape}`);
      requireLength('convForward', bias, filters, `bias ${filters}`);
      requireLength('convForward', out, g.outSize, `out ${g.outShape}`);
      if (g.outSize === 0) return;
      for (const input of [x, w, bias]) requireNoOverlap('convForward', out, input, 'out must not overlap x, w or bias');
      f.begin();
      const sx = f.add(x, g.imageSize, IN);
      const sw = f.add(w, g.filterSize, IN);
      const sb = f.add(bias, filters, IN);
      const so = f.add(out, g.outSize, OUT);
      f.place();
      k.convForward(dtypeFlag(x), f.pointer(sx), f.pointer(sw), f.pointer(sb), f.pointer(so), filters, ...window);
      f.finish();
    },

    convBackwardFilters(x, dout, dw, db, filters, ...window) {
      const g = convOf('convBackwardFilters', filters, window);
      requireSameDtype('convBackwardFilters', x, dout, dw, db);
      requireLength('convBackwardFilters', x, g.imageSize, `x ${g.imageShape}`);
      requireLength('convBackwardFilters', dout, g.outSize, `dout ${g.outShape}`);
      requireLength('convBackwardFilters', dw, g.filterSize, `dw ${g.filterShape}`);
      requireLength('convBackwardFilters', db, filters, `db ${filters}`);
      if (g.filterSize > 0) for (const input of [x, dout]) requireNoOverlap('convBackwardFilters', dw, input, 'dw must not overlap x or dout');
      if (g.filterSize > 0) requireNoOverlap('convBackwardFilters', dw, db, 'db must not overlap dw, x or dout');
      if (filters > 0) for (const input of [x, dout]) requireNoOverlap('convBackwardFilters', db, input, 'db must not overlap dw, x or dout');
      f.begin();
      const sx = f.add(x, g.imageSize, IN);
      const sd = f.add(dout, g.outSize, IN);
      const sw = f.add(dw, g.filterSize, OUT);
      const sb = f.add(db, filters, OUT);
      f.place();
      k.convBackwardFilters(dtypeFlag(x), f.pointer(sx), f.pointer(sd), f.pointer(sw), f.pointer(sb), filters, ...window);
      f.finish();
    },

    convBackwardInput(dout, w, dx, filters, ...window) {
      const g = convOf('convBackwardInput', filters, window);
      requireSameDtype('convBackwardInput', dout, w, dx);
      requireLength('convBackwardInput', dout, g.outSize, `dout ${g.outShape}`);
      requireLength('convBackwardInput', w, g.filterSize, `w ${g.filterShape}`);
      requireLength('convBackwardInput', dx, g.imageSize, `dx ${g.imageShape}`);
      if (g.imageSize > 0) for (const input of [dout, w]) requireNoOverlap('convBackwardInput', dx, input, 'dx must not overlap dout or w');
      f.begin();
      const sd = f.add(dout, g.outSize, IN);
      const sw = f.add(w, g.filterSize, IN);
      const sx = f.add(dx, g.imageSize, OUT);
      f.place();
      k.convBackwardInput(dtypeFlag(dx), f.pointer(sd), f.pointer(sw), f.pointer(sx), filters, ...window);
      f.finish();
    },
  };
}
