import { randomBytes } from 'node:crypto';
import { link, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { currentProcess, isRunning, isValidPid, sameProcess, type ProcessIdentity } from './process-identity';
import { readBoundedText } from '../limits/bounded-file';
import { diskWriter, temporaryName, writeFileAtomic } from './run-files';
import { LOCK_FILE } from './run-layout';

/**
 * One writer per run: `run.lock` in the run's folder names the process that trains or rewrites the run. It is
 * created with a hard link (atomic: it appears whole, and only one process can create it), removed by its
 * owner when done, and a lock whose owner is no longer running (killed, crashed, machine rebooted) is taken
 * over. The owner is a pid with its start time, so a pid reused by a later process does not keep a lock alive.
 */

/** 'train': held for as long as a run trains; 'write': held for one rewrite of its files (others wait). */
export type LockPurpose = 'train' | 'write';

const identitySchema = z.object({ pid: z.number().refine(isValidPid, 'a positive integer'), started: z.string().max(200).nullable() });

const lockOwnerSchema = identitySchema.extend({
  purpose: z.enum(['train', 'write']),
  /** What the owner is, for messages: "npm run train", "the web host", ... */
  holder: z.string().max(200),
  since: z.string().max(40),
  /** Tells this acquisition from any other of the same process. */
  nonce: z.string().max(40),
  /** The trainer process that writes the run's metrics and checkpoint for the owner, once it runs. */
  helper: identitySchema.optional(),
  /** The dead owner whose lock this one replaced. */
  replaced: z.object({ pid: z.number(), holder: z.string().max(200), since: z.string().max(40) }).optional(),
});
export type LockOwner = z.infer<typeof lockOwnerSchema>;

/** Lock files are tiny; anything larger is not one of ours and is read no further. */
const MAX_LOCK_BYTES = 4096;
/**
 * How long a writer waits for another live process's one rewrite ('write' lock, held for milliseconds) before
 * giving up, and the longest pause between looks.
 */
const WRITE_WAIT_MS = 10_000;
const MAX_PAUSE_MS = 20;
/** Bounds the loop when locks keep appearing and vanishing under it. */
const MAX_ATTEMPTS = 5000;

export function describeOwner(owner: LockOwner): string {
  const helper = owner.helper ? `, trainer process ${owner.helper.pid}` : '';
  return `process ${owner.pid} (${owner.holder}${helper}, since ${owner.since})`;
}

export class RunLockedError extends Error {
  readonly owner: LockOwner | undefined;

  constructor(runId: string, owner: LockOwner | undefined) {
    const who = owner ? `${owner.purpose === 'train' ? 'being trained' : 'being written'} by ${describeOwner(owner)}` : 'locked by another process (its run.lock is unreadable)';
    super(`run ${runId} is ${who}`);
    this.name = 'RunLockedError';
    this.owner = owner;
  }
}

/** Whether the lock's owner, or the trainer process working for it, still runs. */
export function ownerIsRunning(owner: LockOwner): boolean {
  return isRunning(owner) || (owner.helper !== undefined && isRunning(owner.helper));
}

export interface LockFile {
  readonly raw: string;
  /** Undefined when the file is not a lock this app wrote (damaged, foreign, oversized). */
  readonly owner: LockOwner | undefined;
}

export async function readLock(directory: string): Promise<LockFile | undefined> {
  let raw: string;
  try {
    raw = await readBoundedText(join(directory, LOCK_FILE), MAX_LOCK_BYTES);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    // Oversized or not a regular file: not a lock this app wrote.
    if (code === 'EFBIG' || code === 'EINVAL') return { raw: `(${code})`, owner: undefined };
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { raw, owner: undefined };
  }
  const parsed = lockOwnerSchema.safeParse(value);
  return { raw, owner: parsed.success ? parsed.data : undefined };
}

/** Creates `file` with `text` only if it does not exist, appearing whole: false when it exists. */
async function createWhole(file: string, text: string): Promise<boolean> {
  const temporary = temporaryName(file);
  try {
    await diskWriter.writeNew(temporary, text);
    await link(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temporary, { force: true }).catch(() => undefined);
  }
}

/** Moves a dead owner's lock aside, checking it is still that lock (another process may have just taken it). */
async function removeStale(file: string, stale: string): Promise<void> {
  const aside = temporaryName(file);
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readBoundedText(aside, MAX_LOCK_BYTES).catch((error: NodeJS.ErrnoException) => `(${error.code})`);
  // Not the dead owner's: a live process took the lock between our reading and the move; put it back.
  if (moved !== stale) await link(aside, file).catch(() => undefined);
  await rm(aside, { force: true });
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A lock this process holds. */
export class AcquiredLock {
  readonly directory: string;
  private current: LockOwner;

  constructor(directory: string, owner: LockOwner) {
    this.directory = directory;
    this.current = owner;
  }

  get owner(): LockOwner {
    return this.current;
  }

  /** Rewrites the lock (only its owner does): a helper process that now works for it, or a longer purpose. */
  async amend(change: { helper?: ProcessIdentity; purpose?: LockPurpose }): Promise<void> {
    const next: LockOwner = { ...this.current, ...(change.purpose ? { purpose: change.purpose } : {}), ...(change.helper ? { helper: { pid: change.helper.pid, started: change.helper.started } } : {}) };
    await writeFileAtomic(join(this.directory, LOCK_FILE), JSON.stringify(next));
    this.current = next;
  }

  /** Removes the lock if it is still this one. */
  async release(): Promise<void> {
    const file = await readLock(this.directory);
    if (file?.owner?.nonce === this.current.nonce) await rm(join(this.directory, LOCK_FILE), { force: true });
  }
}

export interface Acquired {
  readonly lock: AcquiredLock;
  /** The dead owner whose lock was taken over, if any (callers say so). */
  readonly replaced: LockOwner | 'unreadable' | undefined;
}

/**
 * Takes the run's lock for this process, or throws RunLockedError naming the live owner. Another process's
 * one rewrite ('write') is waited for, up to ten seconds; a training owner is not.
 */
export async function acquireLock(directory: string, runId: string, purpose: LockPurpose, holder: string): Promise<Acquired> {
  const file = join(directory, LOCK_FILE);
  let replaced: LockOwner | 'unreadable' | undefined;
  let last: LockOwner | undefined;
  const deadline = Date.now() + WRITE_WAIT_MS;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const owner: LockOwner = {
      ...currentProcess(),
      purpose,
      holder,
      since: new Date().toISOString(),
      nonce: randomBytes(8).toString('hex'),
      ...(replaced && replaced !== 'unreadable' ? { replaced: { pid: replaced.pid, holder: replaced.holder, since: replaced.since } } : {}),
    };
    if (await createWhole(file, JSON.stringify(owner))) return { lock: new AcquiredLock(directory, owner), replaced };
    const existing = await readLock(directory);
    if (!existing) continue;
    const { owner: other } = existing;
    last = other;
    const waiting = Date.now() < deadline;
    const pause = Math.min(MAX_PAUSE_MS, 1 + attempt);
    if (other && !sameProcess(other, currentProcess()) && ownerIsRunning(other)) {
      if (other.purpose === 'write' && waiting) {
        await delay(pause);
        continue;
      }
      throw new RunLockedError(runId, other);
    }
    // Its owner is gone, it is a leftover of this very process, or it is unreadable (a lock appears whole, by
    // a link, so an unreadable one is damage, not a lock being written): take it over.
    replaced = other ?? 'unreadable';
    await removeStale(file, existing.raw);
  }
  throw new RunLockedError(runId, last);
}
