import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { readSmallTextFile } from './small-file';

/** Where and how big the window was, so the app opens as the user left it. */
const windowStateSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(400).max(20_000),
  height: z.number().int().min(300).max(20_000),
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof windowStateSchema>;

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 800, maximized: false };

interface Rectangle {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A missing or unreadable file gives the defaults: a bad state file must never stop the app starting. */
export async function loadWindowState(file: string): Promise<WindowState> {
  try {
    const parsed = windowStateSchema.safeParse(JSON.parse(await readSmallTextFile(file, 64 * 1024, 'a window state')));
    return parsed.success ? parsed.data : DEFAULT_WINDOW_STATE;
  } catch {
    return DEFAULT_WINDOW_STATE;
  }
}

/** Written whole or not at all: a temp file of its own per write (two windows closing at once), removed if the write fails. */
export async function saveWindowState(file: string, state: WindowState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(temporary, JSON.stringify(state));
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Keeps the saved position only if its top-left area is on a display that still exists (a monitor may have
 * been unplugged since); otherwise the window opens centred.
 */
export function placeOnDisplays(state: WindowState, displays: readonly Rectangle[]): WindowState {
  if (state.x === undefined || state.y === undefined) return state;
  const { x, y } = state;
  const visible = displays.some((d) => x + 100 > d.x && y + 50 > d.y && x + 100 < d.x + d.width && y + 50 < d.y + d.height);
  if (visible) return state;
  const { x: _x, y: _y, ...size } = state;
  return size;
}
