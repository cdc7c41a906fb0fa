import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Backend, BackgroundKernels, FloatArray, OptimizerRule } from '../../src-engine/backend';
import { projectRoot } from '../data/load-dataset';

/**
 * The native backend: our C++ Node-API addon (native/), built by `npm install`. Its exports have exactly the
 * Backend methods' names and signatures (optimizerStep takes its rule as a number), so this wrapper adds
 * nothing to the hot loop.
 */
export interface NativeInfo {
  /** The kernels chosen at load time: avx512, avx2, sse2, generic (baseline vectors off x86) or portable (plain loops). */
  readonly isa: string;
  readonly threads: number;
  readonly hardwareThreads: number;
}

interface NativeBinding extends Omit<Backend, 'name' | 'optimizerStep' | 'background'> {
  /** The rule travels as a number (see elementwise.h). */
  optimizerStep(rule: number, w: FloatArray, g: FloatArray, s1: FloatArray, s2: FloatArray, n: number, lr: number, p1: number, p2: number, eps: number): void;
  sparseMatmulAsync: BackgroundKernels['sparseMatmul'];
  gatherMatmulAsync: BackgroundKernels['gatherMatmul'];
  backgroundDone(ticket: number): boolean;
  backgroundWait(ticket: number): void;
  setThreads(threads: number): void;
  info(): NativeInfo;
  injectFailureForTests(where: NativeFailureSite): void;
}

/** Where injectNativeFailureForTests makes the next native call fail: a pool worker or the background thread. */
export type NativeFailureSite = 'worker' | 'background';

const NATIVE_RULES: Readonly<Record<OptimizerRule, number>> = { momentum: 1, nesterov: 2, adagrad: 3, rmsprop: 4, adam: 5 };

let binding: NativeBinding | undefined;
let loadError: Error | undefined;

export function nativeAddonPath(): string {
  return process.env.BACKPROP_NATIVE_PATH ?? join(projectRoot(), 'native', 'build', 'Release', 'backprop_native.node');
}

function loadBinding(): NativeBinding {
  if (binding) return binding;
  if (loadError) throw loadError;
  const path = nativeAddonPath();
  try {
    // The switch that skips the build at install also keeps an addon built earlier out of use.
    if (process.env.BACKPROP_SKIP_NATIVE === '1') throw new Error('BACKPROP_SKIP_NATIVE=1 leaves the addon unused');
    if (!existsSync(path)) throw new Error(`${path} is missing (the addon was not built)`);
    binding = createRequire(import.meta.url)(path) as NativeBinding;
    return binding;
  } catch (error) {
    loadError = error instanceof Error ? error : new Error(String(error));
    throw loadError;
  }
}

/** Throws with the reason when the addon is missing or cannot load on this machine. */
export function loadNativeBackend(): Backend {
  const b = loadBinding();
  return {
    name: 'native',
    gemm: b.gemm,
    addBias: b.addBias,
    colSums: b.colSums,
    reluForward: b.reluForward,
    reluBackward: b.reluBackward,
    sigmoidForward: b.sigmoidForward,
    sigmoidBackward: b.sigmoidBackward,
    softmaxRows: b.softmaxRows,
    softmaxCrossEntropy: b.softmaxCrossEntropy,
    softmaxCrossEntropyBackward: b.softmaxCrossEntropyBackward,
    axpby: b.axpby,
    optimizerStep: (rule, w, g, s1, s2, n, lr, p1, p2, eps) => b.optimizerStep(NATIVE_RULES[rule], w, g, s1, s2, n, lr, p1, p2, eps),
    batchNormForward: b.batchNormForward,
    batchNormBackward: b.batchNormBackward,
    sumSquares: b.sumSquares,
    mul: b.mul,
    argmaxRows: b.argmaxRows,
    gatherRows: b.gatherRows,
    sparseMatmul: b.sparseMatmul,
    sparseMatmulTransposed: b.sparseMatmulTransposed,
    prefetchSparseRows: b.prefetchSparseRows,
    im2col: b.im2col,
    col2im: b.col2im,
    maxPoolForward: b.maxPoolForward,
    maxPoolBackward: b.maxPoolBackward,
    reluMaxPoolForward: b.reluMaxPoolForward,
    reluMaxPoolBackward: b.reluMaxPoolBackward,
    transposeBatch: b.transposeBatch,
    convForward: b.convForward,
    convBackwardFilters: b.convBackwardFilters,
    convBackwardInput: b.convBackwardInput,
    convReluPoolForward: b.convReluPoolForward,
    convReluPoolBackwardFilters: b.convReluPoolBackwardFilters,
    background: { sparseMatmul: b.sparseMatmulAsync, gatherMatmul: b.gatherMatmulAsync, done: b.backgroundDone, wait: b.backgroundWait },
  };
}

/** Threads used by the kernels, the caller's included (default: the machine's cores; env BACKPROP_THREADS). */
export function setNativeThreads(threads: number): void {
  loadBinding().setThreads(threads);
}

export function nativeInfo(): NativeInfo {
  return loadBinding().info();
}

/**
 * For tests only: the next parallel kernel call fails on a pool worker ('worker'), or the next background job
 * on the background thread ('background'), with std::bad_alloc, as a real allocation failure would. The
 * failure must reach JavaScript as an Error (from the call, or from background.wait/done).
 */
export function injectNativeFailureForTests(where: NativeFailureSite): void {
  loadBinding().injectFailureForTests(where);
}
