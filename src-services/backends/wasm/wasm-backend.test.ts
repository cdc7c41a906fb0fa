import { describe } from 'vitest';
import type { Backend } from '../../../src-engine/backend';
import { convProperties } from '../conv-properties';
import { kernelProperties, type KernelThreads } from '../kernel-properties';
import { sparseProperties } from '../sparse-properties';
import { loadWasmBackend } from './wasm-backend';

// The module has one thread: every product is checked there.
const oneThread: KernelThreads = { counts: [1], set: () => {} };
const get = (): Backend => loadWasmBackend();

describe('WebAssembly backend: the native kernels compiled to wasm match the TypeScript reference', () => {
  kernelProperties(get, oneThread);
  convProperties(get, oneThread);
  sparseProperties(get, oneThread);
});
