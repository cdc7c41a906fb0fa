import type { Backend } from '../../../src-engine/backend';
import { requireLength, requireSameDtype } from '../../../src-engine/backends/ts/checks';
import { dtypeFlag, requireKind, requireWasmDims } from './wasm-checks';
import { IN, INOUT, OUT, type WasmFrame } from './wasm-frame';
import type { WasmKernels } from './wasm-module';
import { elementwiseCalls } from './wasm-elementwise';

/** Batch normalisation, the sum of squares, products and argmax. */
export function normKernels(k: WasmKernels, f: WasmFrame): Pick<Backend, 'batchNormForward' | 'batchNormBackward' | 'sumSquares' | 'mul' | 'argmaxRows'> {
  const { binary } = elementwiseCalls(f);
  return {
    batchNormForward(x, rows, cols, gamma, beta, runningMean, runningVar, train, momentum, eps, xc, xn, std, out) {
      requireWasmDims('batchNormForward', { rows, cols });
      requireSameDtype('batchNormForward', x, gamma, beta, runningMean, runningVar, xc, xn, std, out);
      requireLength('batchNormForward', x, rows * cols, `x (${rows}, ${cols})`);
      requireLength('batchNormForward', out, rows * cols, `out (${rows}, ${cols})`);
      for (const [array, name] of [[gamma, 'gamma'], [beta, 'beta'], [runningMean, 'runningMean'], [runningVar, 'runningVar']] as const) requireLength('batchNormForward', array, cols, name);
      if (train) {
        requireLength('batchNormForward', xc, rows * cols, 'xc');
        requireLength('batchNormForward', xn, rows * cols, 'xn');
        requireLength('batchNormForward', std, cols, 'std');
      }
      // Inference reads the running statistics and leaves xc, xn and std untouched.
      const kept = train ? 1 : 0;
      f.begin();
      const slots = [
        f.add(x, rows * cols, IN), f.add(gamma, cols, IN), f.add(beta, cols, IN), f.add(runningMean, cols, train ? INOUT : IN), f.add(runningVar, cols, train ? INOUT : IN),
        f.add(xc, kept * rows * cols, OUT), f.add(xn, kept * rows * cols, OUT), f.add(std, kept * cols, OUT), f.add(out, rows * cols, OUT),
      ];
      f.place();
      const p = slots.map((s) => f.pointer(s));
      k.batchNormForward(dtypeFlag(x), p[0]!, rows, cols, p[1]!, p[2]!, p[3]!, p[4]!, kept, momentum, eps, p[5]!, p[6]!, p[7]!, p[8]!);
      f.finish();
    },

    batchNormBackward(dout, rows, cols, gamma, xc, xn, std, dx, dgamma, dbeta) {
      requireWasmDims('batchNormBackward', { rows, cols });
      requireSameDtype('batchNormBackward', dout, gamma, xc, xn, std, dx, dgamma, dbeta);
      if (rows === 0) throw new RangeError('batchNormBackward: needs at least one row');
      for (const [array, name] of [[dout, 'dout'], [xc, 'xc'], [xn, 'xn'], [dx, 'dx']] as const) requireLength('batchNormBackward', array, rows * cols, `${name} (${rows}, ${cols})`);
      for (const [array, name] of [[gamma, 'gamma'], [std, 'std'], [dgamma, 'dgamma'], [dbeta, 'dbeta']] as const) requireLength('batchNormBackward', array, cols, name);
      const size = rows * cols;
      f.begin();
      const slots = [
        f.add(dout, size, IN), f.add(gamma, cols, IN), f.add(xc, size, IN), f.add(xn, size, IN), f.add(std, cols, IN),
        f.add(dx, size, OUT), f.add(dgamma, cols, OUT), f.add(dbeta, cols, OUT),
      ];
      f.place();
      const p = slots.map((s) => f.pointer(s));
      k.batchNormBackward(dtypeFlag(dout), p[0]!, rows, cols, p[1]!, p[2]!, p[3]!, p[4]!, p[5]!, p[6]!, p[7]!);
      f.finish();
    },

    sumSquares(x, n) {
      requireWasmDims('sumSquares', { n });
      requireSameDtype('sumSquares', x);
      requireLength('sumSquares', x, n, 'x');
      f.begin();
      const sx = f.add(x, n, IN);
      f.place();
      const sum = k.sumSquares(dtypeFlag(x), f.pointer(sx), n);
      f.finish();
      return sum;
    },

    mul(a, b, out, n) {
      binary('mul', [a, 'a'], [b, 'b'], [out, 'out'], n, (dtype, pa, pb, po) => k.mul(dtype, pa, pb, po, n));
    },

    argmaxRows(x, rows, cols, out) {
      requireWasmDims('argmaxRows', { rows, cols });
      requireSameDtype('argmaxRows', x);
      requireKind('argmaxRows', out, Int32Array, 'out');
      requireLength('argmaxRows', x, rows * cols, `x ${rows}x${cols}`);
      requireLength('argmaxRows', out, rows, `out ${rows}`);
      if (rows > 0 && cols === 0) throw new RangeError('argmaxRows: rows of 0 columns have no maximum');
      f.begin();
      const sx = f.add(x, rows * cols, IN);
      const so = f.add(out, rows, OUT);
      f.place();
      k.argmaxRows(dtypeFlag(x), f.pointer(sx), rows, cols, f.pointer(so));
      f.finish();
    },
  };
}
