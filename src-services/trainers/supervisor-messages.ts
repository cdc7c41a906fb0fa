import { describeOwner, type LockOwner } from '../runs/run-lock';
import type { RunStore } from '../runs/run-store';

/** Why a run that this process does not train cannot be stopped here, in words that agree with its record. */
export async function notTrainingMessage(store: RunStore, id: string): Promise<string> {
  const owner = await store.otherOwner(id).catch(() => undefined);
  if (owner) return `run ${id} is being trained by ${describeOwner(owner)}: stop it there`;
  const record = await store.get(id).catch(() => undefined);
  if (!record) return `run ${id} is not training`;
  if (['running', 'paused', 'queued'].includes(record.status)) return `run ${id} is not training: its record says ${record.status}, but no process trains it (it was interrupted)`;
  return `run ${id} is not training: it is ${record.status}${record.reason ? ` (${record.reason})` : ''}`;
}

/** The note for a lock taken over from a process that died without releasing it. */
export function takeoverNote(id: string, replaced: LockOwner | 'unreadable' | undefined): string | undefined {
  if (!replaced) return undefined;
  const whose = replaced === 'unreadable' ? 'an unreadable lock' : `the lock of ${describeOwner(replaced)}, which is no longer running`;
  return `run ${id}: took over ${whose}`;
}
