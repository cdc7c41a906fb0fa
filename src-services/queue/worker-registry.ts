import type { Redis } from 'ioredis';
import { workerInfoSchema, type WorkerInfo } from '../../src-shared/queue-worker-info';
import { WORKER_KEY_PATTERN, workerKey } from './queue-keys';

/** A worker's registration lives this many heartbeats: one that stops beating (killed, cut off) soon drops out. */
const MISSED_HEARTBEATS = 3;
/** Workers listed at most (a Sweeps view needs no more). */
const MAX_LISTED = 200;
/** A registration's largest size: anything bigger was not written by a worker. */
const MAX_INFO_BYTES = 64 * 1024;

/** Writes (or refreshes) a worker's registration; it expires unless refreshed within MISSED_HEARTBEATS beats. */
export async function registerWorker(redis: Redis, info: WorkerInfo, heartbeatMs: number): Promise<void> {
  await redis.set(workerKey(info.id), JSON.stringify(workerInfoSchema.parse(info)), 'PX', heartbeatMs * MISSED_HEARTBEATS);
}

export async function unregisterWorker(redis: Redis, workerId: string): Promise<void> {
  await redis.del(workerKey(workerId));
}

/** The live workers, by host then id; a registration that is not a worker's is left out. */
export async function listWorkers(redis: Redis): Promise<WorkerInfo[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', WORKER_KEY_PATTERN, 'COUNT', 100);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0' && keys.length < MAX_LISTED);
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys.slice(0, MAX_LISTED));
  const workers: WorkerInfo[] = [];
  for (const value of values) {
    if (value === null || value.length > MAX_INFO_BYTES) continue;
    try {
      const parsed = workerInfoSchema.safeParse(JSON.parse(value));
      if (parsed.success) workers.push(parsed.data);
    } catch {
      // not JSON: not a worker's
    }
  }
  return workers.sort((a, b) => a.host.localeCompare(b.host) || a.id.localeCompare(b.id));
}
