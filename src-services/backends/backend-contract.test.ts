import { describe } from 'vitest';
import { createTsBackend } from '../../src-engine/backends/ts-backend';
import { backendContract } from './backend-contract';
import { nativeForTests } from './native-for-tests';
import { loadWasmBackend } from './wasm/wasm-backend';

describe('the TypeScript backend keeps the Backend contract', () => {
  backendContract(() => createTsBackend());
});

const native = nativeForTests.backend;
describe.skipIf(!native)('the native backend keeps the Backend contract', () => {
  backendContract(() => {
    if (!native) throw new Error('the native backend is not loaded');
    return native;
  });
});

describe('the WebAssembly backend keeps the Backend contract', () => {
  backendContract(() => loadWasmBackend());
});
