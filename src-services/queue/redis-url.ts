import { isIP } from 'node:net';

/**
 * A sweep queue's Redis server, from the URL the user gives (`redis://HOST:PORT`, `rediss://` for TLS,
 * `redis://USER:PASSWORD@HOST:PORT/DB`). Off loopback a queue carries trials and their weights between
 * machines, so a URL there must authenticate: a password in the URL or in REDIS_PASSWORD (REDIS_USERNAME for
 * a Redis 6+ ACL user). Messages name the server as `shown`, which never holds the password.
 */
export interface RedisTarget {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly tls: boolean;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** The URL without its credentials, for messages: redis://HOST:PORT/DB. */
  readonly shown: string;
}

export class QueueUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueUrlError';
  }
}

/** localhost, 127.0.0.0/8 and ::1: a server only this machine reaches. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return isIP(bare) === 6 && (bare === '::1' || bare === '0:0:0:0:0:0:0:1');
}

export function parseRedisUrl(text: string, env: NodeJS.ProcessEnv = process.env): RedisTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new QueueUrlError(`--queue takes a Redis URL such as redis://127.0.0.1:6379, got "${text.replace(/\/\/[^@/]*@/, '//***@')}"`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new QueueUrlError(`--queue takes a redis:// or rediss:// URL, got ${url.protocol}//`);
  if (!url.hostname) throw new QueueUrlError('--queue: the Redis URL names no host');
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0 || db > 15) throw new QueueUrlError(`--queue: the Redis database must be a number from 0 to 15, got "${dbText}"`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const shown = `${url.protocol}//${url.host}${db === 0 ? '' : `/${db}`}`;
  const password = url.password !== '' ? decodeURIComponent(url.password) : env.REDIS_PASSWORD || undefined;
  const username = url.username !== '' ? decodeURIComponent(url.username) : env.REDIS_USERNAME || undefined;
  if (!isLoopback(host) && password === undefined) {
    throw new QueueUrlError(
      `refusing the queue at ${shown}: a Redis server off this machine must ask for a password (redis://USER:PASSWORD@${url.host}, or set REDIS_PASSWORD)`,
    );
  }
  return { host, port, db, tls: url.protocol === 'rediss:', username, password, shown };
}
