import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ProcessIdentity } from './process-identity';
import { LOCK_FILE } from './run-layout';
import { acquireLock, type AcquiredLock, type LockOwner, type LockPurpose } from './run-lock';

/**
 * What this process holds of its runs, process-wide (every RunStore of the process shares it): a queue per run
 * that serialises every read-modify-write of the run's files, and the run locks it holds, counted, so that the
 * supervisor's training claim and a rename's one rewrite in the same process share one lock.
 */
const queues = new Map<string, Promise<void>>();

/** Runs `job` when every earlier job of the same run in this process has ended. */
export async function exclusive<T>(directory: string, job: () => Promise<T>): Promise<T> {
  const key = resolve(directory);
  const previous = queues.get(key) ?? Promise.resolve();
  let done: () => void = () => undefined;
  const tail = previous.then(() => new Promise<void>((settle) => (done = settle)));
  queues.set(key, tail);
  await previous;
  try {
    return await job();
  } finally {
    done();
    if (queues.get(key) === tail) queues.delete(key);
  }
}

interface Held {
  readonly lock: Promise<AcquiredLock>;
  count: number;
}

const held = new Map<string, Held>();
/** Releases under way: a new claim of the same run waits for them, so it never meets its own old lock. */
const releasing = new Map<string, Promise<void>>();

/** A share of this process's lock of one run; release each once. */
export interface RunClaim {
  readonly owner: LockOwner;
  /** The dead owner whose lock was taken over to get this one (said once, to the first claim). */
  readonly replaced: LockOwner | 'unreadable' | undefined;
  /** Whether the lock was taken for this claim (not shared with one this process already held). */
  readonly fresh: boolean;
  /** Names the trainer process that writes for this claim (so the lock lives while it does). */
  setHelper(helper: ProcessIdentity): Promise<void>;
  release(): Promise<void>;
}

export async function claimRun(directory: string, runId: string, purpose: LockPurpose, holder: string): Promise<RunClaim> {
  const key = resolve(directory);
  await releasing.get(key);
  let entry = held.get(key);
  let replaced: LockOwner | 'unreadable' | undefined;
  const fresh = !entry;
  if (!entry) {
    const acquiring = acquireLock(key, runId, purpose, holder).then((acquired) => {
      replaced = acquired.replaced;
      return acquired.lock;
    });
    const created: Held = { lock: acquiring, count: 0 };
    entry = created;
    held.set(key, created);
    acquiring.catch(() => {
      if (held.get(key) === created) held.delete(key);
    });
  }
  entry.count++;
  let lock: AcquiredLock;
  try {
    lock = await entry.lock;
    if (purpose === 'train' && lock.owner.purpose === 'write') await lock.amend({ purpose: 'train' });
  } catch (error) {
    entry.count--;
    throw error;
  }
  const owned = entry;
  let released = false;
  return {
    owner: lock.owner,
    replaced,
    fresh,
    setHelper: (helper) => lock.amend({ helper }),
    async release() {
      if (released) return;
      released = true;
      owned.count--;
      if (owned.count > 0 || held.get(key) !== owned) return;
      held.delete(key);
      const removal = lock.release().finally(() => releasing.delete(key));
      releasing.set(key, removal);
      await removal;
    },
  };
}

/** Whether this process holds the run's lock. */
export function holdsRun(directory: string): boolean {
  return held.has(resolve(directory));
}

// A process that exits while holding locks (an error, process.exit) removes them: others need not wait for
// the stale-owner check. Only locks still naming this process are removed.
process.on('exit', () => {
  for (const key of held.keys()) {
    const file = join(key, LOCK_FILE);
    try {
      const text = readFileSync(file, 'utf8');
      if ((JSON.parse(text) as { pid?: unknown }).pid === process.pid) rmSync(file, { force: true });
    } catch {
      // gone already, or not ours
    }
  }
});
