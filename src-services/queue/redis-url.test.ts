import { describe, expect, it } from 'vitest';
import { isLoopback, parseRedisUrl, QueueUrlError } from './redis-url';

describe('the queue URL', () => {
  it('takes a loopback server without credentials, with its port and database', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6390/2', {})).toEqual({ host: '127.0.0.1', port: 6390, db: 2, tls: false, username: undefined, password: undefined, shown: 'redis://127.0.0.1:6390/2' });
    expect(parseRedisUrl('redis://localhost', {})).toMatchObject({ host: 'localhost', port: 6379, db: 0, shown: 'redis://localhost' });
    expect(parseRedisUrl('redis://[::1]:7000', {})).toMatchObject({ host: '::1', port: 7000 });
  });

  it('refuses a server off this machine without a password, saying how to give one', () => {
    for (const url of ['redis://10.1.2.3:6379', 'redis://lab-redis.example.org', 'rediss://user@192.168.1.4:6380']) {
      expect(() => parseRedisUrl(url, {})).toThrow(QueueUrlError);
    }
    expect(() => parseRedisUrl('redis://10.1.2.3:6379', {})).toThrow(
      'refusing the queue at redis://10.1.2.3:6379: a Redis server off this machine must ask for a password (redis://USER:PASSWORD@10.1.2.3:6379, or set REDIS_PASSWORD)',
    );
  });

  it('takes credentials from the URL or from REDIS_PASSWORD / REDIS_USERNAME, and never shows the password', () => {
    const fromUrl = parseRedisUrl('rediss://lab:s%40cret@10.1.2.3:6380/1', {});
    expect(fromUrl).toMatchObject({ host: '10.1.2.3', port: 6380, db: 1, tls: true, username: 'lab', password: 's@cret', shown: 'rediss://10.1.2.3:6380/1' });
    const fromEnv = parseRedisUrl('redis://10.1.2.3', { REDIS_PASSWORD: 'hunter2', REDIS_USERNAME: 'sweeps' });
    expect(fromEnv).toMatchObject({ username: 'sweeps', password: 'hunter2', shown: 'redis://10.1.2.3' });
    expect(JSON.stringify([fromUrl.shown, fromEnv.shown])).not.toMatch(/cret|hunter2/);
  });

  it('refuses what is not a Redis URL, without echoing a password', () => {
    expect(() => parseRedisUrl('http://127.0.0.1:6379', {})).toThrow('--queue takes a redis:// or rediss:// URL, got http://');
    expect(() => parseRedisUrl('redis://127.0.0.1:6379/99', {})).toThrow('the Redis database must be a number from 0 to 15, got "99"');
    let message = '';
    try {
      parseRedisUrl('redis://u:topsecret@exa mple:1', {});
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^--queue takes a Redis URL/);
    expect(message).not.toContain('topsecret');
  });

  it('knows loopback addresses', () => {
    expect(['localhost', '127.0.0.1', '127.4.5.6', '::1', '[::1]'].map(isLoopback)).toEqual([true, true, true, true, true]);
    expect(['128.0.0.1', '10.0.0.1', '::2', 'localhost.example.org', '0.0.0.0'].map(isLoopback)).toEqual([false, false, false, false, false]);
  });
});
