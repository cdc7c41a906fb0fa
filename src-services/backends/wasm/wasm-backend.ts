import type { Backend, BackgroundKernels, FloatArray, OptimizerRule } from '../../../src-engine/backend';
import { requireLength, requireNoOverlap, requireSameDtype } from '../../../src-engine/backends/ts/checks';
import { dtypeFlag, requireKind, requireWasmDims } from './wasm-checks';
import { IN, INOUT, OUT, WasmFrame } from './wasm-frame';
import { convKernels } from './wasm-conv';
import { convReluPoolKernels } from './wasm-conv-relu-pool';
import { imageKernels } from './wasm-images';
import { normKernels } from './wasm-norm';
import { elementwiseCalls } from './wasm-elementwise';
import { WasmBackground } from './wasm-background';
import { loadWasmKernels, wasmModulePath, type WasmKernels } from './wasm-module';

/**
 * The WebAssembly backend: the native addon's kernels (elementwise.cc, and the GEMM and sparse kernels of
 * gemm_base.cc with SIMD128 vectors) compiled to one .wasm, run by Node's own WebAssembly engine, so it needs
 * no compiler on the user's machine. Each method checks its arguments as the reference backend does (same
 * error classes and messages), copies what the kernel reads into the module's memory, runs it and copies
 * back what it wrote (wasm-frame.ts). Its background kernels run a second instance of the module on a
 * worker thread (wasm-background.ts), so evaluations overlap training as on the addon.
 */
const RULES: Readonly<Record<OptimizerRule, number>> = { momentum: 1, nesterov: 2, adagrad: 3, rmsprop: 4, adam: 5 };

/** Throws with the reason when the module is missing or cannot be instantiated here. */
export function loadWasmBackend(): Backend {
  backend ??= createWasmBackend(loadWasmKernels());
  return backend;
}

let backend: Backend | undefined;

function createWasmBackend(k: WasmKernels): Backend {
  const f = new WasmFrame(k);
  const labels = (name: string, values: Int32Array, rows: number, cols: number): void => {
    requireKind(name, values, Int32Array, 'labels');
    requireLength(name, values, rows, `labels ${rows}`);
    for (let r = 0; r < rows; r++) {
      const label = values[r]!;
      if (!(label >= 0 && label < cols)) throw new RangeError(`${name}: label ${label} at row ${r} is outside [0, ${cols})`);
    }
  };
  const { unary, binary } = elementwiseCalls(f);

  return {
    name: 'wasm',
    gemm(transA, transB, m, n, k2, alpha, a, b, beta, c) {
      requireWasmDims('gemm', { m, n, k: k2 });
      requireSameDtype('gemm', a, b, c);
      requireLength('gemm', a, m * k2, `A ${transA ? `${k2}x${m} (A^T)` : `${m}x${k2}`}`);
      requireLength('gemm', b, k2 * n, `B ${transB ? `${n}x${k2} (B^T)` : `${k2}x${n}`}`);
      requireLength('gemm', c, m * n, `C ${m}x${n}`);
      if (m * n > 0 && m * k2 > 0) requireNoOverlap('gemm', c, a, 'C must not overlap A or B');
      if (m * n > 0 && k2 * n > 0) requireNoOverlap('gemm', c, b, 'C must not overlap A or B');
      f.begin();
      const sa = f.add(a, m * k2, IN);
      const sb = f.add(b, k2 * n, IN);
      // beta = 0 overwrites C whole (stale NaN included), so C is not copied in.
      const sc = f.add(c, m * n, beta === 0 ? OUT : INOUT);
      f.place();
      k.gemm(dtypeFlag(c), transA ? 1 : 0, transB ? 1 : 0, m, n, k2, alpha, f.pointer(sa), f.pointer(sb), beta, f.pointer(sc));
      f.finish();
    },

    addBias(x, rows, cols, bias, relu) {
      requireWasmDims('addBias', { rows, cols });
      requireSameDtype('addBias', x, bias);
      requireLength('addBias', x, rows * cols, `x ${rows}x${cols}`);
      requireLength('addBias', bias, cols, `bias ${cols}`);
      f.begin();
      const sx = f.add(x, rows * cols, INOUT);
      const sb = f.add(bias, cols, IN);
      f.place();
      k.addBias(dtypeFlag(x), f.pointer(sx), rows, cols, f.pointer(sb), relu ? 1 : 0);
      f.finish();
    },

    colSums(x, rows, cols, out) {
      requireWasmDims('colSums', { rows, cols });
      requireSameDtype('colSums', x, out);
      requireLength('colSums', x, rows * cols, `x ${rows}x${cols}`);
      requireLength('colSums', out, cols, `out ${cols}`);
      if (rows > 0 && cols > 0) requireNoOverlap('colSums', out, x, 'out must not overlap x');
      f.begin();
      const sx = f.add(x, rows * cols, IN);
      const so = f.add(out, cols, OUT);
      f.place();
      k.colSums(dtypeFlag(x), f.pointer(sx), rows, cols, f.pointer(so));
      f.finish();
    },

    reluForward(x, y, mask, n) {
      requireWasmDims('reluForward', { n });
      requireSameDtype('reluForward', x, y);
      requireKind('reluForward', mask, Uint8Array, 'mask');
      requireLength('reluForward', x, n, 'x');
      requireLength('reluForward', y, n, 'y');
      requireLength('reluForward', mask, n, 'mask');
      f.begin();
      const sx = f.add(x, n, IN);
      const sy = f.add(y, n, OUT);
      const sm = f.add(mask, n, OUT);
      f.place();
      k.reluForward(dtypeFlag(x), f.pointer(sx), f.pointer(sy), f.pointer(sm), n);
      f.finish();
    },

    reluBackward(dout, mask, dx, n) {
      requireWasmDims('reluBackward', { n });
      requireSameDtype('reluBackward', dout, dx);
      requireKind('reluBackward', mask, Uint8Array, 'mask');
      requireLength('reluBackward', dout, n, 'dout');
      requireLength('reluBackward', dx, n, 'dx');
      requireLength('reluBackward', mask, n, 'mask');
      f.begin();
      const sd = f.add(dout, n, IN);
      const sm = f.add(mask, n, IN);
      const sx = f.add(dx, n, OUT);
      f.place();
      k.reluBackward(dtypeFlag(dout), f.pointer(sd), f.pointer(sm), f.pointer(sx), n);
      f.finish();
    },

    sigmoidForward(x, y, n) {
      unary('sigmoidForward', x, y, n, (dtype, px, py) => k.sigmoidForward(dtype, px, py, n));
    },

    sigmoidBackward(dout, y, dx, n) {
      binary('sigmoidBackward', [dout, 'dout'], [y, 'y'], [dx, 'dx'], n, (dtype, pd, py, px) => k.sigmoidBackward(dtype, pd, py, px, n));
    },

    softmaxRows(x, y, rows, cols) {
      requireWasmDims('softmaxRows', { rows, cols });
      requireLength('softmaxRows', x, rows * cols, `x ${rows}x${cols}`);
      unary('softmaxRows', x, y, rows * cols, (dtype, px, py) => k.softmaxRows(dtype, px, py, rows, cols));
    },

    softmaxCrossEntropy(x, labelArray, y, rows, cols, delta) {
      requireWasmDims('softmaxCrossEntropy', { rows, cols });
      requireSameDtype('softmaxCrossEntropy', x, y);
      requireLength('softmaxCrossEntropy', x, rows * cols, `x ${rows}x${cols}`);
      requireLength('softmaxCrossEntropy', y, rows * cols, `y ${rows}x${cols}`);
      labels('softmaxCrossEntropy', labelArray, rows, cols);
      f.begin();
      const sx = f.add(x, rows * cols, IN);
      const sl = f.add(labelArray, rows, IN);
      const sy = f.add(y, rows * cols, OUT);
      f.place();
      const loss = k.softmaxCrossEntropy(dtypeFlag(x), f.pointer(sx), f.pointer(sl), f.pointer(sy), rows, cols, delta);
      f.finish();
      return loss;
    },

    softmaxCrossEntropyBackward(y, labelArray, dx, rows, cols) {
      requireWasmDims('softmaxCrossEntropyBackward', { rows, cols });
      requireSameDtype('softmaxCrossEntropyBackward', y, dx);
      requireLength('softmaxCrossEntropyBackward', y, rows * cols, `y ${rows}x${cols}`);
      requireLength('softmaxCrossEntropyBackward', dx, rows * cols, `dx ${rows}x${cols}`);
      labels('softmaxCrossEntropyBackward', labelArray, rows, cols);
      f.begin();
      const sy = f.add(y, rows * cols, IN);
      const sl = f.add(labelArray, rows, IN);
      const sx = f.add(dx, rows * cols, OUT);
      f.place();
      k.softmaxCrossEntropyBackward(dtypeFlag(y), f.pointer(sy), f.pointer(sl), f.pointer(sx), rows, cols);
      f.finish();
    },

    axpby(alpha, x, beta, y, n) {
      requireWasmDims('axpby', { n });
      requireSameDtype('axpby', x, y);
      requireLength('axpby', x, n, 'x');
      requireLength('axpby', y, n, 'y');
      f.begin();
      const sx = f.add(x, n, IN);
      const sy = f.add(y, n, INOUT);
      f.place();
      k.axpby(dtypeFlag(x), alpha, f.pointer(sx), beta, f.pointer(sy), n);
      f.finish();
    },

    optimizerStep(rule, w, g, s1, s2, n, lr, p1, p2, eps) {
      requireWasmDims('optimizerStep', { n });
      requireSameDtype('optimizerStep', w, g, s1, s2);
      for (const [array, name] of [[w, 'w'], [g, 'g'], [s1, 's1']] as const) requireLength('optimizerStep', array, n, name);
      if (rule === 'adam') requireLength('optimizerStep', s2, n, 's2');
      const code = RULES[rule];
      if (code === undefined) throw new RangeError(`optimizerStep: unknown rule ${String(rule)}`);
      f.begin();
      const sw = f.add(w, n, INOUT);
      const sg = f.add(g, n, IN);
      const s1s = f.add(s1, n, INOUT);
      const s2s = f.add(s2, rule === 'adam' ? n : 0, INOUT);
      f.place();
      k.optimizerStep(dtypeFlag(w), code, f.pointer(sw), f.pointer(sg), f.pointer(s1s), f.pointer(s2s), n, lr, p1, p2, eps);
      f.finish();
    },

    ...normKernels(k, f),
    ...imageKernels(k, f),
    ...convKernels(k, f),
    ...convReluPoolKernels(k, f),
    background: backgroundKernels(new WasmBackground(wasmModulePath())),
  };
}

/** The worker's kernels as plain functions (callers may copy them into an object of their own). */
function backgroundKernels(worker: WasmBackground): BackgroundKernels {
  return {
    sparseMatmul: (...args) => worker.sparseMatmul(...args),
    gatherMatmul: (src, rowLength, indices, scale, w, n, out) => worker.gatherMatmul(src, rowLength, indices, scale, w, n, out),
    done: (ticket) => worker.done(ticket),
    wait: (ticket) => worker.wait(ticket),
  };
}
