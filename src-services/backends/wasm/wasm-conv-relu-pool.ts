import type { Backend, WindowArgs } from '../../../src-engine/backend';
import { requireLength, requireNoOverlap, requireSameDtype } from '../../../src-engine/backends/ts/checks';
import { pooledGeometry } from '../../../src-engine/backends/ts/conv-relu-pool';
import { dtypeFlag, requireKind, requireWasmDims } from './wasm-checks';
import { IN, OUT, type WasmFrame } from './wasm-frame';
import type { WasmKernels } from './wasm-module';

/**
 * The fast path of a convolution, ReLU and 2x2 stride-2 max pooling (conv_isa.inc's pooled passes, as the
 * addon runs them), with the reference backend's checks; every argmax index is checked before anything is written.
 */
export function convReluPoolKernels(k: WasmKernels, f: WasmFrame): Pick<Backend, 'convReluPoolForward' | 'convReluPoolBackwardFilters'> {
  const pooledOf = (name: string, filters: number, window: WindowArgs) => {
    const [n, channels, height, width, filterHeight, filterWidth, stride, pad] = window;
    requireWasmDims(name, { filters, n, channels, height, width, filterHeight, filterWidth, stride, pad });
    return pooledGeometry(name, filters, window);
  };
  return {
    convReluPoolForward(x, w, bias, out, argmax, filters, ...window) {
      const g = pooledOf('convReluPoolForward', filters, window);
      requireSameDtype('convReluPoolForward', x, w, bias, out);
      requireKind('convReluPoolForward', argmax, Int32Array, 'argmax');
      requireLength('convReluPoolForward', x, g.imageSize, `x ${g.imageShape}`);
      requireLength('convReluPoolForward', w, g.filterSize, `w ${g.filterShape}`);
      requireLength('convReluPoolForward', bias, filters, `bias ${filters}`);
      requireLength('convReluPoolForward', out, g.pooledSize, `out ${g.pooledShape}`);
      requireLength('convReluPoolForward', argmax, g.pooledSize, `argmax ${g.pooledShape}`);
      if (g.pooledSize === 0) return;
      for (const input of [x, w, bias]) requireNoOverlap('convReluPoolForward', out, input, 'out must not overlap x, w or bias');
      f.begin();
      const sx = f.add(x, g.imageSize, IN);
      const sw = f.add(w, g.filterSize, IN);
      const sb = f.add(bias, filters, IN);
      const so = f.add(out, g.pooledSize, OUT);
      const sa = f.add(argmax, g.pooledSize, OUT);
      f.place();
      k.convReluPoolForward(dtypeFlag(x), f.pointer(sx), f.pointer(sw), f.pointer(sb), f.pointer(so), f.pointer(sa), filters, ...window);
      f.finish();
    },

    convReluPoolBackwardFilters(x, dout, argmax, dw, db, filters, ...window) {
      const g = pooledOf('convReluPoolBackwardFilters', filters, window);
      requireSameDtype('convReluPoolBackwardFilters', x, dout, dw, db);
      requireKind('convReluPoolBackwardFilters', argmax, Int32Array, 'argmax');
      requireLength('convReluPoolBackwardFilters', x, g.imageSize, `x ${g.imageShape}`);
      requireLength('convReluPoolBackwardFilters', dout, g.pooledSize, `dout ${g.pooledShape}`);
      requireLength('convReluPoolBackwardFilters', argmax, g.pooledSize, `argmax ${g.pooledShape}`);
      requireLength('convReluPoolBackwardFilters', dw, g.filterSize, `dw ${g.filterShape}`);
      requireLength('convReluPoolBackwardFilters', db, filters, `db ${filters}`);
      if (g.filterSize > 0) for (const input of [x, dout]) requireNoOverlap('convReluPoolBackwardFilters', dw, input, 'dw must not overlap x or dout');
      if (g.filterSize > 0) requireNoOverlap('convReluPoolBackwardFilters', dw, db, 'db must not overlap dw, x or dout');
      if (filters > 0) for (const input of [x, dout]) requireNoOverlap('convReluPoolBackwardFilters', db, input, 'db must not overlap dw, x or dout');
      for (let o = 0; o < g.pooledSize; o++) {
        const best = argmax[o]!;
        if (!(best >= -1 && best < 4)) throw new RangeError(`convReluPoolBackwardFilters: argmax[${o}] = ${best} is outside the 2x2 window (or -1)`);
      }
      f.begin();
      const sx = f.add(x, g.imageSize, IN);
      const sd = f.add(dout, g.pooledSize, IN);
      const sa = f.add(argmax, g.pooledSize, IN);
      const sw = f.add(dw, g.filterSize, OUT);
      const sb = f.add(db, filters, OUT);
      f.place();
      k.convReluPoolBackwardFilters(dtypeFlag(x), f.pointer(sx), f.pointer(sd), f.pointer(sa), f.pointer(sw), f.pointer(sb), filters, ...window);
      f.finish();
    },
  };
}
