import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How long redis-server may take to say it is ready. */
const START_TIMEOUT_MS = 10_000;

/** A throwaway Redis server for the queue tests: loopback only, nothing persisted, in a temporary folder. */
export interface TestRedis {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** A port free on loopback now (the server that takes it next may still race another process: rare). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts Debian's redis-server (REDIS_SERVER overrides the command) on a free loopback port, or says why it
 * cannot: the queue tests then skip with that reason, as native-only tests do without the addon.
 */
export async function startTestRedis(): Promise<TestRedis | { readonly skipReason: string }> {
  const command = process.env.REDIS_SERVER ?? 'redis-server';
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bpw-redis-'));
  const child: ChildProcess = spawn(command, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ready = await new Promise<string | undefined>((resolve) => {
    let output = '';
    const timer = setTimeout(() => resolve(`${command} did not say it was ready within ${START_TIMEOUT_MS / 1000} s: ${output.slice(-300)}`), START_TIMEOUT_MS);
    const settle = (reason: string | undefined): void => {
      clearTimeout(timer);
      resolve(reason);
    };
    child.on('error', (error) => settle(`${command} cannot start here (${error.message}); apt-get install redis-server`));
    child.on('exit', (code) => settle(`${command} exited with code ${code}: ${output.slice(-300)}`));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) settle(undefined);
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });
  const stop = async (): Promise<void> => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  if (ready !== undefined) {
    await stop();
    console.log(`\n[queue] tests with a real Redis skipped: ${ready}\n`);
    // `npm test` (scripts/test-all.mjs) lists the reason in its closing summary.
    if (process.env.BACKPROP_REDIS_SKIP_FILE) appendFileSync(process.env.BACKPROP_REDIS_SKIP_FILE, `${ready}\n`);
    return { skipReason: ready };
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop };
}
