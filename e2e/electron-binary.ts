import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The Electron binary, if one is installed. Not `require('electron')`: without a binary that call starts a
 * download, which this project's machines cannot make.
 */
export function electronBinary(): string | undefined {
  const dir = resolve('node_modules/electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : undefined;
}

export const NO_ELECTRON_REASON =
  'no Electron binary installed (node_modules/electron has no dist/: its download is blocked on this machine), so the desktop project is skipped; the web project runs the same specs';
