import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { ApiEnvelope, WebFrame, WorkbenchEvent } from '../src-shared/api';
import { API_SOCKET_PATH, sessionQuery } from '../src-shared/web-session';
import { WorkbenchService } from '../src-services/api/workbench-service';
import { RunStore } from '../src-services/runs/run-store';
import { RunSupervisor } from '../src-services/trainers/run-supervisor';
import { testTrainerFactory } from '../src-services/trainers/test-trainers';
import type { ApiService } from './api-socket';
import type { WebHostLimits } from './host-limits';
import { httpRequest } from './hostile-clients';
import { openStaticFile, type OpenFile } from './static-files';
import { startWebHost, type WebHost } from './web-host';

const TOKEN = 'hostile-token-0123456789abcdef';
export const PAGE = '<!doctype html><title>Backprop Workbench</title>';

/**
 * The real WorkbenchService behind the host, observed: how many sockets are subscribed to its events (the
 * host unsubscribes a socket when it has closed it), and `info` requests held on demand (to fill the
 * in-flight budget without timing).
 */
class ObservedService implements ApiService {
  private subscribers = 0;
  private readonly subscriberWaiters: Array<{ count: number; resolve: () => void }> = [];
  private held: Promise<void> | undefined;

  constructor(readonly real: WorkbenchService) {}

  subscribe(listener: (event: WorkbenchEvent) => void): () => void {
    const unsubscribe = this.real.subscribe(listener);
    this.subscribers++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      unsubscribe();
      this.subscribers--;
      for (const waiter of this.subscriberWaiters.filter((w) => w.count === this.subscribers)) {
        this.subscriberWaiters.splice(this.subscriberWaiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    };
  }

  handle(method: string, params: unknown): Promise<ApiEnvelope> {
    if (method === 'info' && this.held) return this.held.then(() => this.real.handle(method, params));
    return this.real.handle(method, params);
  }

  get subscribed(): number {
    return this.subscribers;
  }

  /** Resolves once exactly `count` sockets are subscribed (after the host has let the others go). */
  whenSubscribed(count: number): Promise<void> {
    if (this.subscribers === count) return Promise.resolve();
    return new Promise((resolve) => this.subscriberWaiters.push({ count, resolve }));
  }

  /** Holds every `info` request from now until the returned function is called. */
  hold(): () => void {
    let release!: () => void;
    this.held = new Promise((resolve) => {
      release = resolve;
    });
    return () => {
      this.held = undefined;
      release();
    };
  }
}

/**
 * The host runs in the test's process, where vitest catches what would otherwise end it. Under `npm run web`
 * an uncaught exception or an unhandled rejection ends the process: each one seen here counts as the host dying.
 */
const fatal: string[] = [];
process.on('uncaughtExceptionMonitor', (error) => fatal.push(`uncaught exception: ${error.message}`));
process.on('unhandledRejection', (reason) => fatal.push(`unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}`));

export interface HostileHost {
  readonly host: WebHost;
  readonly port: number;
  readonly renderer: string;
  readonly service: ObservedService;
  /** The static server's file opener; a test replaces it to inject a fault, and restores it. */
  openFile: OpenFile;
  readonly apiTarget: string;
  stop(): Promise<void>;
}

export async function startHostileHost(limits: Partial<WebHostLimits>): Promise<HostileHost> {
  const root = mkdtempSync(join(tmpdir(), 'bpw-hostile-'));
  const renderer = join(root, 'renderer');
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), PAGE);
  const factory = testTrainerFactory();
  const real = new WorkbenchService({
    supervisor: new RunSupervisor(new RunStore(join(root, 'runs'), '0.0.0-test'), factory, { concurrency: 1 }),
    trainerFactory: factory,
    info: { mode: 'web', platform: process.platform, cores: 2, runsDirectory: join(root, 'runs'), versions: { app: '0.0.0-test', node: process.versions.node } },
  });
  const service = new ObservedService(real);
  const fixture: { openFile: OpenFile } = { openFile: openStaticFile };
  const host = await startWebHost({ service, rendererDirectory: renderer, port: 0, token: TOKEN, limits, openFile: (path) => fixture.openFile(path) });
  return {
    host,
    port: host.port,
    renderer,
    service,
    get openFile() {
      return fixture.openFile;
    },
    set openFile(open: OpenFile) {
      fixture.openFile = open;
    },
    apiTarget: `${API_SOCKET_PATH}${sessionQuery(TOKEN)}`,
    async stop() {
      await real.shutdown();
      await host.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** One request over a fresh, well-behaved WebSocket client; the socket is closed before this resolves. */
async function apiCall(port: number, method: string, params: unknown = {}): Promise<ApiEnvelope> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}${API_SOCKET_PATH}${sessionQuery(TOKEN)}`);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return await new Promise<ApiEnvelope>((resolve) => {
      socket.on('error', () => undefined);
      socket.once('close', (code, reason) => resolve({ ok: false, error: `closed by the host (${code} ${reason.toString()})` }));
      socket.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as WebFrame;
        if ('id' in frame && frame.id === 1) resolve(frame.envelope);
      });
      socket.send(JSON.stringify({ id: 1, method, params }));
    });
  } finally {
    if (socket.readyState !== socket.CLOSED) {
      const done = new Promise((resolve) => socket.once('close', resolve));
      socket.close();
      await done;
    }
  }
}

/** What every hostile case ends with: the page still loads and an authenticated API call still works. */
export async function expectAlive(fixture: HostileHost): Promise<void> {
  if (fatal.length > 0) throw new Error(`the host would have died: ${fatal.splice(0).join('; ')}`);
  // The case's own connections are gone first (the host has dropped or closed them all).
  await fixture.host.idle();
  const page = await httpRequest(fixture.port, 'GET', '/');
  if (page.status !== 200 || !page.body.toString().includes('Backprop Workbench')) throw new Error(`GET / answered ${page.status}: ${page.head}`);
  const info = await apiCall(fixture.port, 'info');
  if (!info.ok) throw new Error(`info failed: ${info.error}`);
  if (fatal.length > 0) throw new Error(`the host would have died: ${fatal.splice(0).join('; ')}`);
}

/** Peak resident memory of this process (which runs the host) while `work` runs, sampled by the caller. */
export class RssPeak {
  readonly before = process.memoryUsage().rss;
  /** The process's lifetime peak (resourceUsage().maxRSS, in KB) when the case began. */
  private readonly maxRssBefore = process.resourceUsage().maxRSS;
  private peak = this.before;
  /** How far the case pushed the lifetime peak of the process, in MB (0 when it stayed under an earlier peak). */
  get maxRssGrowthMb(): number {
    return Math.round((process.resourceUsage().maxRSS - this.maxRssBefore) / 1024);
  }
  /** Sampled growth and peak, and the lifetime peak's growth, for the report. */
  summary(): string {
    return `sampled RSS +${this.growthMb} MB (peak ${this.peakMb} MB); maxRSS +${this.maxRssGrowthMb} MB`;
  }
  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage().rss);
  }
  /** Growth over the start, in MB. */
  get growthMb(): number {
    this.sample();
    return Math.round((this.peak - this.before) / 1048576);
  }
  get peakMb(): number {
    this.sample();
    return Math.round(this.peak / 1048576);
  }
}
