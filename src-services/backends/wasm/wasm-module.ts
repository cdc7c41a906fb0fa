import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WindowArgs } from '../../../src-engine/backend';
import { projectRoot } from '../../data/load-dataset';

/**
 * The WebAssembly build of the native kernels (native/wasm/, `npm run build:wasm`), loaded with Node's own
 * WebAssembly support: the .wasm ships in the repository, so no compiler is needed to use it. Its exports
 * are the C ABI of native/wasm/abi.cc: pointers into its memory (byte offsets), sizes as int32, f64 = 1 for
 * float64 arrays.
 */
export interface WasmKernels {
  readonly memory: WebAssembly.Memory;
  arena(bytes: number): number;
  /** A block kept across calls (64-byte aligned), 0 when memory cannot grow; release() frees it. */
  alloc(bytes: number): number;
  release(block: number): void;
  gemm(f64: number, ta: number, tb: number, m: number, n: number, k: number, alpha: number, a: number, b: number, beta: number, c: number): void;
  addBias(f64: number, x: number, rows: number, cols: number, bias: number, relu: number): void;
  colSums(f64: number, x: number, rows: number, cols: number, out: number): void;
  reluForward(f64: number, x: number, y: number, mask: number, n: number): void;
  reluBackward(f64: number, dout: number, mask: number, dx: number, n: number): void;
  sigmoidForward(f64: number, x: number, y: number, n: number): void;
  sigmoidBackward(f64: number, dout: number, y: number, dx: number, n: number): void;
  softmaxRows(f64: number, x: number, y: number, rows: number, cols: number): void;
  softmaxCrossEntropy(f64: number, x: number, labels: number, y: number, rows: number, cols: number, delta: number): number;
  softmaxCrossEntropyBackward(f64: number, y: number, labels: number, dx: number, rows: number, cols: number): void;
  axpby(f64: number, alpha: number, x: number, beta: number, y: number, n: number): void;
  optimizerStep(f64: number, rule: number, w: number, g: number, s1: number, s2: number, n: number, lr: number, p1: number, p2: number, eps: number): void;
  batchNormForward(
    f64: number, x: number, rows: number, cols: number, gamma: number, beta: number, runningMean: number, runningVar: number,
    train: number, momentum: number, eps: number, xc: number, xn: number, std: number, out: number,
  ): void;
  batchNormBackward(f64: number, dout: number, rows: number, cols: number, gamma: number, xc: number, xn: number, std: number, dx: number, dgamma: number, dbeta: number): void;
  sumSquares(f64: number, x: number, n: number): number;
  mul(f64: number, a: number, b: number, out: number, n: number): void;
  argmaxRows(f64: number, x: number, rows: number, cols: number, out: number): void;
  gatherRows(f64: number, src: number, rowLength: number, indices: number, rows: number, scale: number, out: number): void;
  sparseMatmul(
    f64: number, transposed: number, rowStart: number, columns: number, values: number, rowLength: number, indices: number, rows: number,
    scale: number, dense: number, n: number, out: number,
  ): void;
  im2col(f64: number, x: number, col: number, ...window: WindowArgs): void;
  col2im(f64: number, col: number, dx: number, ...window: WindowArgs): void;
  maxPoolForward(f64: number, x: number, out: number, argmax: number, ...window: WindowArgs): void;
  maxPoolBackward(f64: number, dout: number, argmax: number, dx: number, ...window: WindowArgs): void;
  reluMaxPoolForward(f64: number, x: number, out: number, argmax: number, ...window: WindowArgs): void;
  reluMaxPoolBackward(f64: number, dout: number, argmax: number, dx: number, ...window: WindowArgs): void;
  transposeBatch(f64: number, x: number, out: number, batch: number, rows: number, cols: number): void;
  convForward(f64: number, x: number, w: number, bias: number, out: number, filters: number, ...window: WindowArgs): void;
  convBackwardFilters(f64: number, x: number, dout: number, dw: number, db: number, filters: number, ...window: WindowArgs): void;
  convBackwardInput(f64: number, dout: number, w: number, dx: number, filters: number, ...window: WindowArgs): void;
  convReluPoolForward(f64: number, x: number, w: number, bias: number, out: number, argmax: number, filters: number, ...window: WindowArgs): void;
  convReluPoolBackwardFilters(f64: number, x: number, dout: number, argmax: number, dw: number, db: number, filters: number, ...window: WindowArgs): void;
}

const FUNCTIONS = [
  'arena', 'alloc', 'release', 'gemm', 'addBias', 'colSums', 'reluForward', 'reluBackward', 'sigmoidForward', 'sigmoidBackward', 'softmaxRows', 'softmaxCrossEntropy',
  'softmaxCrossEntropyBackward', 'axpby', 'optimizerStep', 'batchNormForward', 'batchNormBackward', 'sumSquares', 'mul', 'argmaxRows', 'gatherRows',
  'sparseMatmul', 'im2col', 'col2im', 'maxPoolForward', 'maxPoolBackward', 'reluMaxPoolForward', 'reluMaxPoolBackward', 'transposeBatch', 'convForward', 'convBackwardFilters', 'convBackwardInput',
  'convReluPoolForward', 'convReluPoolBackwardFilters',
] as const satisfies ReadonlyArray<Exclude<keyof WasmKernels, 'memory'>>;

export function wasmModulePath(): string {
  return process.env.BACKPROP_WASM_PATH ?? join(projectRoot(), 'native', 'wasm', 'backprop.wasm');
}

let kernels: WasmKernels | undefined;
let loadError: Error | undefined;

/** The module's kernels, instantiated once per process (or thread); throws with the reason when it cannot load. */
export function loadWasmKernels(): WasmKernels {
  if (kernels) return kernels;
  if (loadError) throw loadError;
  const path = wasmModulePath();
  try {
    if (!existsSync(path)) throw new Error(`${path} is missing`);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), {});
    kernels = checkExports(instance.exports, path);
    return kernels;
  } catch (error) {
    loadError = error instanceof Error ? error : new Error(String(error));
    throw loadError;
  }
}

function checkExports(exports: WebAssembly.Exports, path: string): WasmKernels {
  const memory = exports.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new Error(`${path} exports no memory`);
  const missing = FUNCTIONS.filter((name) => typeof exports[name] !== 'function');
  if (missing.length > 0) throw new Error(`${path} lacks the kernels ${missing.join(', ')} (rebuild it with npm run build:wasm)`);
  const initialize = exports._initialize;
  if (typeof initialize === 'function') initialize();
  // Every name was checked to be a function of the module just above.
  return exports as unknown as WasmKernels;
}
