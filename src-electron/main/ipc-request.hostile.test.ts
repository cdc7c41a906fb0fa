import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkIpcRequest, IPC_LIMITS } from './ipc-request';
import { MAX_CONFIG_FILE_BYTES, readSmallTextFile } from './small-file';

describe('Electron main: IPC requests are checked before any work', () => {
  it('passes plain params of the API\'s sizes, with their size', () => {
    expect(checkIpcRequest('info', {})).toEqual({ ok: true, method: 'info', bytes: 0 });
    expect(checkIpcRequest('info', undefined)).toMatchObject({ ok: true });
    const pixels = new Array<number>(1_000_000).fill(0.5);
    expect(checkIpcRequest('predict', { id: 'r', pixels })).toMatchObject({ ok: true, bytes: 8_000_000 + 'id'.length + 1 + 'pixels'.length });
    expect(checkIpcRequest('importOnnx', { fileName: 'm.onnx', base64: 'A'.repeat(48 * 1024 * 1024) })).toMatchObject({ ok: true });
  });

  it.each<[string, unknown, unknown, string]>([
    ['a method that is no string', 42, {}, 'the method must be a name'],
    ['an empty method', '', {}, 'the method must be a name'],
    ['a 101-character method', 'm'.repeat(101), {}, 'the method must be a name'],
    ['params nested 100000 deep', 'info', JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)), 'nested deeper than 32 levels'],
    ['two million values', 'predict', { pixels: new Array<number>(2_000_000).fill(0) }, 'more than 1100000 values'],
    ['a sparse array of a billion', 'predict', { pixels: new Array<number>(1_000_000_000) }, 'more than 1100000 values'],
    ['60 MB of text', 'importOnnx', { base64: 'A'.repeat(60 * 1024 * 1024) }, 'MB of text'],
    ['a Map', 'info', { m: new Map([[1, 2]]) }, 'a Map, which is not JSON data'],
    ['a Date', 'info', { d: new Date(0) }, 'a Date, which is not JSON data'],
    ['a typed array', 'predict', { pixels: new Float64Array(10) }, 'a Float64Array, which is not JSON data'],
    ['a bigint', 'info', { n: 10n }, 'a bigint, which is not JSON data'],
  ])('refuses %s with a message', (_name, method, params, message) => {
    const check = checkIpcRequest(method, params);
    expect(check.ok).toBe(false);
    expect(!check.ok && check.error).toContain(message);
  });

  it('stops at the value limit on a cycle (a structured clone keeps cycles)', () => {
    const cyclic: { self?: unknown; items: unknown[] } = { items: [] };
    cyclic.self = cyclic;
    cyclic.items.push(cyclic, cyclic);
    const check = checkIpcRequest('info', cyclic, { ...IPC_LIMITS, maxDepth: 10_000_000 });
    expect(!check.ok && check.error).toContain('values');
  });
});

describe('Electron main: small files (a picked config, the window state) are bounded before reading', () => {
  const directory = mkdtempSync(join(tmpdir(), 'bpw-small-file-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('reads a config', async () => {
    writeFileSync(join(directory, 'ok.json'), '{"seed":1}');
    expect(await readSmallTextFile(join(directory, 'ok.json'), MAX_CONFIG_FILE_BYTES, 'a network config')).toBe('{"seed":1}');
  });

  it('refuses a FIFO at once (no writer: it would hang), /dev/zero behind a symlink, a directory and a big file', async () => {
    execFileSync('mkfifo', [join(directory, 'fifo.json')]);
    symlinkSync('/dev/zero', join(directory, 'zero.json'));
    writeFileSync(join(directory, 'big.json'), Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1, 0x20));
    for (const [name, message] of [
      ['fifo.json', 'not a regular file'],
      ['zero.json', 'not a regular file'],
      ['.', 'not a regular file'],
      ['big.json', 'larger than the 1024 KB this app reads, so not a network config'],
    ]) {
      await expect(readSmallTextFile(join(directory, name!), MAX_CONFIG_FILE_BYTES, 'a network config'), name).rejects.toThrow(message!);
    }
  });
});
