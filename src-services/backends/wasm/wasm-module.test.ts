import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../data/load-dataset';
import { wasmModulePath } from './wasm-module';

interface BuildRecord {
  readonly compiler: string;
  readonly sources: Record<string, string>;
  readonly wasm: string;
  readonly bytes: number;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

// npm test also rebuilds the module where clang can (scripts/build-wasm.mjs --check); this check needs no compiler.
describe('the committed WebAssembly module', () => {
  const root = projectRoot();
  const record = JSON.parse(readFileSync(join(root, 'native', 'wasm', 'backprop.wasm.json'), 'utf8')) as BuildRecord;

  it('was built from the kernel sources as they are now (else run npm run build:wasm)', () => {
    const stale = Object.entries(record.sources).filter(([file, hash]) => sha256(readFileSync(join(root, file))) !== hash).map(([file]) => file);
    expect(stale, 'sources changed since native/wasm/backprop.wasm was built').toEqual([]);
    // The kernels it compiles: abi.cc, the elementwise kernels and the GEMM and sparse kernels, with their headers.
    expect(Object.keys(record.sources)).toEqual(expect.arrayContaining(['native/wasm/abi.cc', 'native/src/elementwise.cc', 'native/src/gemm_isa.inc', 'native/src/sparse_isa.inc']));
  });

  it('is the file that build recorded, small enough to ship in the repository', () => {
    const bytes = readFileSync(wasmModulePath());
    expect(sha256(bytes)).toBe(record.wasm);
    expect(bytes.length).toBe(record.bytes);
    expect(bytes.length).toBeLessThan(256 * 1024);
  });
});
