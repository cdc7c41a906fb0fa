import { constants } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { FlagError } from './flag-values';

/**
 * Checks, before any training (or export), that `--export FILE` (or `flag`) can be written: its folder exists and takes a new file
 * (tried for real: a probe file is created and removed, which also holds for root and read-only mounts), or
 * the file exists and opens for writing. Training for an hour to fail at the last step is what this avoids.
 */
export async function checkExportTarget(path: string, flag = '--export'): Promise<void> {
  const target = resolve(path);
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw new FlagError(`${flag} ${path} is a folder; give a file name such as ${join(path, 'model.onnx')}`);
  if (existing && !existing.isFile()) throw new FlagError(`${flag} ${path} is not a regular file`);
  const folder = dirname(target);
  if (!(await stat(folder).catch(() => undefined))?.isDirectory()) throw new FlagError(`${flag} ${path}: the folder ${folder} does not exist`);
  const probe = existing ? target : join(folder, `.bpw-export-probe-${process.pid}`);
  try {
    const handle = await open(probe, existing ? constants.O_WRONLY : constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
    await handle.close();
  } catch (error) {
    throw new FlagError(`${flag} ${path}: ${existing ? 'the file' : `the folder ${folder}`} is not writable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  } finally {
    if (!existing) await rm(probe, { force: true });
  }
}

/**
 * `--runs-dir DIR`: a folder, or a path whose nearest existing parent is a folder (the store creates the rest).
 * A file in the way is bad input, said before anything is trained, not an EEXIST from mkdir afterwards.
 */
export async function checkRunsDirectory(path: string, flag = '--runs-dir'): Promise<void> {
  let current = resolve(path);
  for (;;) {
    const existing = await stat(current).catch(() => undefined);
    if (existing) {
      if (!existing.isDirectory()) throw new FlagError(`${flag} ${path}: ${current === resolve(path) ? 'it' : current} is a file, not a folder`);
      return;
    }
    const parent = dirname(current);
    if (parent === current) return;
    current = parent;
  }
}
