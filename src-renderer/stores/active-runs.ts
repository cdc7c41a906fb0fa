import type { QueuedRunState, RunQueueState } from '../../src-shared/api';
import type { RunRecord } from '../../src-shared/run-record';
import { ACTIVE_STATUSES } from './runs';

/** One line of the Train view's list of active runs. */
export interface ActiveRunRow {
  readonly id: string;
  readonly name: string;
  readonly status: RunRecord['status'];
  /** The status in words: running, paused, or queued with why it waits. */
  readonly state: string;
}

const gigabytes = (bytes: number): string => `${(bytes / 1e9).toFixed(1)} GB`;

/** Why a queued run waits, in words; a queued run the host does not report is queued by another process. */
export function queueDescription(entry: QueuedRunState | undefined, queue: RunQueueState | undefined): string {
  if (!entry || !queue) return 'queued by another process';
  switch (entry.waitingFor) {
    case 'slot':
      return `queued · next · all ${queue.concurrency} training slot${queue.concurrency === 1 ? '' : 's'} in use (a paused run keeps its slot)`;
    case 'memory':
      return `queued · next · waits for memory: needs ${gigabytes(entry.memoryBytes)} beside the runs training (budget ${gigabytes(queue.memoryBudgetBytes)})`;
    case 'ahead':
      return `queued · #${entry.position} in line`;
  }
}

/** The active runs: training and paused ones first (newest first), then the queue in the order it starts. */
export function activeRunRows(records: readonly RunRecord[], queue: RunQueueState | undefined): ActiveRunRow[] {
  const queued = new Map((queue?.queued ?? []).map((entry) => [entry.runId, entry]));
  const rank = (record: RunRecord): number => (record.status === 'queued' ? (queued.get(record.id)?.position ?? Number.MAX_SAFE_INTEGER) : 0);
  return records
    .filter((record) => ACTIVE_STATUSES.includes(record.status))
    .sort((a, b) => rank(a) - rank(b) || b.createdAt.localeCompare(a.createdAt))
    .map((record) => ({
      id: record.id,
      name: record.name,
      status: record.status,
      state: record.status === 'queued' ? queueDescription(queued.get(record.id), queue) : record.status,
    }));
}

/** "1 running · 1 paused · 1 queued · 2 at once": the queue at a glance. */
export function queueSummary(rows: readonly ActiveRunRow[], queue: RunQueueState | undefined): string {
  const count = (status: RunRecord['status']): number => rows.filter((row) => row.status === status).length;
  const parts = (['running', 'paused', 'queued'] as const).filter((status) => count(status) > 0).map((status) => `${count(status)} ${status}`);
  if (queue) parts.push(`${queue.concurrency} at once`);
  return parts.join(' · ');
}
