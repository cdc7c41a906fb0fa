import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { RequestBudget } from '../src-shared/request-budget';
import { API_SOCKET_PATH, SESSION_TOKEN_BYTES, sessionQuery, sessionTokenOf } from '../src-shared/web-session';
import { WEB_CONTENT_SECURITY_POLICY } from '../src-services/csp';
import { serveApiSocket, type ApiService } from './api-socket';
import { DEFAULT_WEB_HOST_LIMITS, type WebHostLimits } from './host-limits';
import { parseRequestTarget } from './request-target';
import { openStaticFile, serveStatic, type OpenFile, type StaticSite } from './static-files';
import './ws-options';

export interface WebHostOptions {
  readonly service: ApiService;
  /** The built renderer (out/renderer). */
  readonly rendererDirectory: string;
  readonly port: number;
  /** 127.0.0.1 unless the user asks for more. */
  readonly host?: string;
  /** A fixed token (tests, scripts); a random one otherwise. */
  readonly token?: string;
  /** Bounds other than the defaults (tests make them small). */
  readonly limits?: Partial<WebHostLimits>;
  /** How static files are opened (tests inject file-system faults). */
  readonly openFile?: OpenFile;
}

export interface WebHost {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** Resolves when no TCP connection to the host is open (every client has gone). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'Content-Security-Policy': WEB_CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  // The session token is in the page's URL: never send it anywhere as a referrer.
  'Referrer-Policy': 'no-referrer',
} as const;

function sameToken(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Answers an upgrade request that will not become a WebSocket, then drops the connection. */
function refuseUpgrade(socket: Duplex, status: string, message: string): void {
  const body = `${message}\n`;
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/**
 * `npm run web`: serves the built renderer and the workbench API over a WebSocket, on loopback by default.
 * The API needs the session token from the URL; the Host and Origin headers must name this server, so a
 * web page elsewhere (or a DNS-rebinding trick) cannot drive it. Every input is bounded (see WebHostLimits)
 * and every socket and stream has an error path: no request, frame or file fault takes the host down.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const limits: WebHostLimits = { ...DEFAULT_WEB_HOST_LIMITS, ...options.limits };
  if (!existsSync(join(options.rendererDirectory, 'index.html'))) {
    throw new Error(`${join(options.rendererDirectory, 'index.html')} is missing: run "npm run build" first`);
  }
  const site: StaticSite = { root: realpathSync(options.rendererDirectory), headers: SECURITY_HEADERS, openFile: options.openFile ?? openStaticFile };
  const bindHost = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(SESSION_TOKEN_BYTES).toString('base64url');
  const budget = new RequestBudget(limits.requests);
  let port = options.port;

  const allowedHosts = (): Set<string> => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `${bindHost}:${port}`, `[::1]:${port}`]);

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      // How often those timeouts are checked: the default (30 s) would let a stalled request outlive them.
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    (request, response) => {
      if (!allowedHosts().has(request.headers.host ?? '')) {
        response.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end('unknown host\n');
        return;
      }
      serveStatic(site, request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end('the file could not be read\n');
        else response.destroy();
      });
    },
  );
  server.maxConnections = limits.maxConnections;
  let openConnections = 0;
  const idleWaiters: Array<() => void> = [];
  server.on('connection', (socket: Duplex) => {
    openConnections++;
    socket.once('close', () => {
      if (--openConnections === 0) for (const wake of idleWaiters.splice(0)) wake();
    });
  });
  server.maxHeadersCount = limits.maxHeadersCount;
  server.maxRequestsPerSocket = limits.maxRequestsPerConnection;
  // With no 'timeout' listener, Node destroys the timed-out socket. ws clears the timeout of a socket it upgrades.
  server.setTimeout(limits.idleSocketTimeoutMs);

  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxFrameBytes,
    maxFragments: limits.maxFragments,
    closeTimeout: limits.closeTimeoutMs,
    perMessageDeflate: false,
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // The HTTP server lets go of an upgraded socket's errors: a reset while refusing must not be uncaught.
    socket.on('error', () => socket.destroy());
    const target = parseRequestTarget(request.url);
    const hostHeader = request.headers.host ?? '';
    if (!target.ok) return refuseUpgrade(socket, '400 Bad Request', `bad request: ${target.error}`);
    if (target.pathname !== API_SOCKET_PATH) return refuseUpgrade(socket, '404 Not Found', 'not found');
    if (request.method !== 'GET') return refuseUpgrade(socket, '405 Method Not Allowed', 'the API socket is opened with GET');
    if (!allowedHosts().has(hostHeader)) return refuseUpgrade(socket, '421 Misdirected Request', 'unknown host');
    if (request.headers.origin !== undefined && request.headers.origin !== `http://${hostHeader}`) return refuseUpgrade(socket, '403 Forbidden', 'foreign origin');
    if (!sameToken(sessionTokenOf(target.query), token)) return refuseUpgrade(socket, '401 Unauthorized', 'the session token is missing or wrong');
    if (sockets.clients.size >= limits.maxApiSockets) {
      return refuseUpgrade(socket, '503 Service Unavailable', `too many API connections (${limits.maxApiSockets}): close other tabs of the workbench`);
    }
    sockets.handleUpgrade(request, socket, head, (ws) => serveApiSocket(ws, options.service, budget.client(), limits));
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, bindHost, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  // Once listening, a server error is an accept failure (EMFILE under a connection flood): the host carries on.
  server.on('error', (error) => process.stderr.write(`web host: ${error.message}\n`));
  const address = server.address();
  // Listening on a TCP port, the address is never a pipe name (string) or null.
  if (address === null || typeof address === 'string') throw new Error(`the web host is not listening on a port (${String(address)})`);
  port = address.port;
  const shownHost = bindHost.includes(':') ? `[${bindHost}]` : bindHost;
  return {
    url: `http://${shownHost}:${port}/${sessionQuery(token)}`,
    port,
    token,
    idle: () => (openConnections === 0 ? Promise.resolve() : new Promise<void>((resolveIdle) => idleWaiters.push(resolveIdle))),
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
