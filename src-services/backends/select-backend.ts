import type { Backend } from '../../src-engine/backend';
import { loadNativeBackend } from './native-backend';
import { loadWasmBackend } from './wasm/wasm-backend';
import { createTsBackend } from '../../src-engine/backends/ts-backend';

export type BackendRequest = 'auto' | 'native' | 'wasm' | 'ts';

export interface BackendSelection {
  readonly backend: Backend;
  /** Set when 'auto' could not use the native addon: which backend it took instead and why, to show once. */
  readonly warning?: string;
}

/**
 * 'auto' prefers the native addon, then the WebAssembly build of the same kernels (it ships with the
 * repository, so it loads wherever Node runs), then the TypeScript backend, and says once in plain words
 * which one it took and why. Asking for 'native' or 'wasm' explicitly fails loudly instead, so a benchmark
 * never silently measures the wrong thing.
 */
export function selectBackend(request: BackendRequest): BackendSelection {
  if (request === 'ts') return { backend: createTsBackend() };
  if (request === 'wasm') return { backend: explicit('WebAssembly', loadWasmBackend) };
  if (request === 'native') return { backend: explicit('native', loadNativeBackend) };
  let nativeReason: string;
  try {
    return { backend: loadNativeBackend() };
  } catch (error) {
    nativeReason = reasonOf(error);
  }
  try {
    return {
      backend: loadWasmBackend(),
      warning:
        `the native addon is not available here: ${nativeReason}. The WebAssembly build of the same kernels runs instead: slower than native, ` +
        'and no compiler needed. Run "npm install" with a C++ compiler installed to build the addon.',
    };
  } catch (error) {
    return {
      backend: createTsBackend(),
      warning:
        `neither the native addon nor the WebAssembly kernels load here (native: ${nativeReason}; WebAssembly: ${reasonOf(error)}). ` +
        'The much slower TypeScript backend runs instead. Run "npm install" to build the addon.',
    };
  }
}

function explicit(what: string, load: () => Backend): Backend {
  try {
    return load();
  } catch (error) {
    throw new Error(`the ${what} backend is not available: ${reasonOf(error)}`);
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
