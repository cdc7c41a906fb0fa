import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { WebSocket } from 'ws';
import type { ApiEnvelope, WebFrame } from '../../src-shared/api';
import { API_SOCKET_PATH, sessionQuery } from '../../src-shared/web-session';

/** The session token of the bench's web hosts. */
const TOKEN = 'bench-ui-token-0123456789abcdef';

/** The renderer the web host serves, built from the sources as they are now (`electron-vite build`), unless `reuse` and built. */
export function buildRenderer(reuse: boolean): void {
  if (reuse && existsSync('out/renderer/index.html')) return;
  const build = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('electron-vite build failed');
}

/** A web host (`src-web/index.ts`) on a run store, as `npm run web` starts it, and a WebSocket client to it. */
export class BenchHost {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly socket: WebSocket,
  ) {}

  /** The page's URL, at a view (`#runs`). */
  url(hash = ''): string {
    return `http://127.0.0.1:${this.port}/${sessionQuery(TOKEN)}${hash}`;
  }

  static async start(port: number, runsDirectory: string): Promise<BenchHost> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src-web/index.ts', '--port', String(port), '--token', TOKEN, '--runs-dir', runsDirectory, '--concurrency', '1'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(`127.0.0.1:${port}/`)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the web host exited (${code}) before listening`)));
    });
    const socket = await new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}${API_SOCKET_PATH}${sessionQuery(TOKEN)}`, { headers: { origin: `http://127.0.0.1:${port}` } });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
    return new BenchHost(child, port, socket);
  }

  private next = 1;

  /** One API call; its value, or its error thrown. */
  call<T>(method: string, params: unknown): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      const listener = (data: Buffer): void => {
        const frame = JSON.parse(data.toString()) as WebFrame;
        if ('event' in frame || frame.id !== id) return;
        this.socket.off('message', listener);
        const envelope: ApiEnvelope = frame.envelope;
        if (envelope.ok) resolve(envelope.value as T);
        else reject(new Error(`${method}: ${envelope.error}`));
      };
      this.socket.on('message', listener);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  async close(): Promise<void> {
    this.socket.close();
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
