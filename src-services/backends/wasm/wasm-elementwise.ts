import type { FloatArray } from '../../../src-engine/backend';
import { requireLength, requireSameDtype } from '../../../src-engine/backends/ts/checks';
import { dtypeFlag, requireWasmDims } from './wasm-checks';
import { IN, OUT, type WasmFrame } from './wasm-frame';

/** An array a kernel reads or writes, with the name its messages give it. */
type Named = readonly [array: FloatArray, name: string];

/**
 * The calls of elementwise kernels over n values: arguments checked as the reference backend checks them
 * (same messages), the inputs copied into the module's memory, the kernel run on their pointers and the output
 * copied back whole.
 */
export function elementwiseCalls(f: WasmFrame) {
  return {
    /** y = op(x). */
    unary(name: string, x: FloatArray, y: FloatArray, n: number, run: (dtype: number, px: number, py: number) => void): void {
      requireWasmDims(name, { n });
      requireSameDtype(name, x, y);
      requireLength(name, x, n, 'x');
      requireLength(name, y, n, 'y');
      f.begin();
      const sx = f.add(x, n, IN);
      const sy = f.add(y, n, OUT);
      f.place();
      run(dtypeFlag(x), f.pointer(sx), f.pointer(sy));
      f.finish();
    },

    /** out = op(a, b). */
    binary(name: string, [a, aName]: Named, [b, bName]: Named, [out, outName]: Named, n: number, run: (dtype: number, pa: number, pb: number, pout: number) => void): void {
      requireWasmDims(name, { n });
      requireSameDtype(name, a, b, out);
      requireLength(name, a, n, aName);
      requireLength(name, b, n, bName);
      requireLength(name, out, n, outName);
      f.begin();
      const sa = f.add(a, n, IN);
      const sb = f.add(b, n, IN);
      const so = f.add(out, n, OUT);
      f.place();
      run(dtypeFlag(a), f.pointer(sa), f.pointer(sb), f.pointer(so));
      f.finish();
    },
  };
}
