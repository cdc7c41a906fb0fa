import { afterEach, describe, expect, it, vi } from 'vitest';

/** selectBackend from fresh modules, with the addon and the module looked for where `paths` say. */
async function selectWith(paths: { native?: string; wasm?: string }): Promise<typeof import('./select-backend')> {
  vi.resetModules();
  // The suite may itself run with BACKPROP_SKIP_NATIVE=1 (the no-addon CI clone): these cases look for the addon.
  vi.stubEnv('BACKPROP_SKIP_NATIVE', '0');
  vi.stubEnv('BACKPROP_NATIVE_PATH', paths.native ?? '/nonexistent/backprop_native.node');
  if (paths.wasm) vi.stubEnv('BACKPROP_WASM_PATH', paths.wasm);
  return import('./select-backend');
}

describe('backend choice', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("'auto' without the native addon takes the WebAssembly kernels and says so once, with the reason", async () => {
    const { selectBackend } = await selectWith({});
    const { backend, warning } = selectBackend('auto');
    expect(backend.name).toBe('wasm');
    expect(warning).toMatch(/^the native addon is not available here: \/nonexistent\/backprop_native\.node is missing \(the addon was not built\)\. The WebAssembly build of the same kernels runs instead/);
    expect(selectBackend('wasm')).toEqual({ backend });
    expect(() => selectBackend('native')).toThrow(/^the native backend is not available: \/nonexistent\/backprop_native\.node is missing/);
  });

  it("'auto' with neither takes the TypeScript backend and names both reasons; asking for wasm fails loudly", async () => {
    const { selectBackend } = await selectWith({ wasm: '/nonexistent/backprop.wasm' });
    const { backend, warning } = selectBackend('auto');
    expect(backend.name).toBe('ts');
    expect(warning).toMatch(/^neither the native addon nor the WebAssembly kernels load here \(native: .* is missing .*; WebAssembly: \/nonexistent\/backprop\.wasm is missing\)\. The much slower TypeScript backend runs instead/);
    expect(() => selectBackend('wasm')).toThrow(/^the WebAssembly backend is not available: \/nonexistent\/backprop\.wasm is missing/);
    expect(selectBackend('ts').warning).toBeUndefined();
  });
});

describe('BACKPROP_SKIP_NATIVE=1', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('leaves even a built addon unused: auto takes the WebAssembly kernels', async () => {
    vi.resetModules();
    vi.stubEnv('BACKPROP_SKIP_NATIVE', '1');
    const { selectBackend } = await import('./select-backend');
    const { backend, warning } = selectBackend('auto');
    expect(backend.name).toBe('wasm');
    expect(warning).toMatch(/^the native addon is not available here: BACKPROP_SKIP_NATIVE=1 leaves the addon unused\./);
  });
});
