import { Redis, type RedisOptions } from 'ioredis';
import { errorMessage } from '../../src-shared/error-message';
import type { RedisTarget } from './redis-url';

/** How long a first connection may take before the server counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5000;

/** The queue's server could not be reached or refused this client (a wrong password, a full server). */
class QueueUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueUnreachableError';
  }
}

/**
 * ioredis options for a BullMQ connection to `target`. maxRetriesPerRequest null: a blocking worker connection
 * waits through a server restart instead of failing its command (BullMQ requires it for workers).
 */
export function connectionOptions(target: RedisTarget): RedisOptions {
  return {
    host: target.host,
    port: target.port,
    db: target.db,
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    ...(target.tls ? { tls: { servername: target.host } } : {}),
    maxRetriesPerRequest: null,
    connectTimeout: CONNECT_TIMEOUT_MS,
  };
}

/**
 * Connects once and pings, without retrying: a server that cannot be reached (or refuses the credentials)
 * is reported at once, naming it as `target.shown` (no password), before anything is written anywhere.
 */
export async function checkReachable(target: RedisTarget): Promise<void> {
  const client = new Redis({ ...connectionOptions(target), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  // The socket's own error (ECONNREFUSED, ENOTFOUND...) comes as an event; the awaited call then only says the
  // connection closed, so the event's message is the one to report.
  let socketError: unknown;
  client.on('error', (error) => (socketError ??= error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const message = errorMessage(socketError ?? error).replaceAll(target.password ?? '\u0000', '***');
    throw new QueueUnreachableError(`cannot reach the queue's Redis server at ${target.shown}: ${message}`);
  } finally {
    client.disconnect();
  }
}
