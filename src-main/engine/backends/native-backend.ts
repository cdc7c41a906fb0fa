import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Backend } from '../backend';
import { projectRoot } from '../../data/load-dataset';

/**
 * The native backend: our C++ Node-API addon (native/), built by `npm install`. Its exports have exactly the
 * Backend methods' names and signatures, so this wrapper adds nothing to the hot loop.
 */
export interface NativeInfo {
  /** The SIMD path chosen at load time: avx512, avx2, sse2 or generic. */
  readonly isa: string;
  readonly threads: number;
  readonly hardwareThreads: number;
}

interface NativeBinding extends Omit<Backend, 'name'> {
  setThreads(threads: number): void;
  info(): NativeInfo;
}

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
    sumSquares: b.sumSquares,
    mul: b.mul,
    argmaxRows: b.argmaxRows,
    gatherRows: b.gatherRows,
  };
}

/** Worker threads used by the kernels (default: the machine's cores; env BACKPROP_THREADS). */
export function setNativeThreads(threads: number): void {
  loadBinding().setThreads(threads);
}

export function nativeInfo(): NativeInfo {
  return loadBinding().info();
}
