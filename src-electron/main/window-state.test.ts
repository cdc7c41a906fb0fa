import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW_STATE, loadWindowState, placeOnDisplays, saveWindowState } from './window-state';

describe('window state', () => {
  const directory = mkdtempSync(join(tmpdir(), 'bpw-window-'));

  it('round-trips through its file', async () => {
    const file = join(directory, 'nested', 'window.json');
    await saveWindowState(file, { x: 10, y: 20, width: 1300, height: 900, maximized: true });
    expect(await loadWindowState(file)).toEqual({ x: 10, y: 20, width: 1300, height: 900, maximized: true });
  });

  it('falls back to the defaults for a missing, corrupt or out-of-range file', async () => {
    expect(await loadWindowState(join(directory, 'missing.json'))).toEqual(DEFAULT_WINDOW_STATE);
    writeFileSync(join(directory, 'corrupt.json'), '{"width": 12');
    expect(await loadWindowState(join(directory, 'corrupt.json'))).toEqual(DEFAULT_WINDOW_STATE);
    writeFileSync(join(directory, 'tiny.json'), '{"width": 10, "height": 10}');
    expect(await loadWindowState(join(directory, 'tiny.json'))).toEqual(DEFAULT_WINDOW_STATE);
  });

  it('drops a position that is on no display any more', () => {
    const displays = [{ x: 0, y: 0, width: 1920, height: 1080 }];
    expect(placeOnDisplays({ x: 100, y: 100, width: 1200, height: 800, maximized: false }, displays)).toEqual({ x: 100, y: 100, width: 1200, height: 800, maximized: false });
    expect(placeOnDisplays({ x: 3000, y: 100, width: 1200, height: 800, maximized: false }, displays)).toEqual({ width: 1200, height: 800, maximized: false });
  });
});
