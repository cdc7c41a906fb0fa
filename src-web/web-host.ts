import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_ONNX_BASE64, webRequestFrameSchema, type WebFrame } from '../src-shared/api';
import { API_SOCKET_PATH, SESSION_TOKEN_BYTES, sessionQuery, sessionTokenOf } from '../src-shared/web-session';
import { CONTENT_SECURITY_POLICY } from '../src-services/csp';
import type { WorkbenchService } from '../src-services/api/workbench-service';

export interface WebHostOptions {
  readonly service: WorkbenchService;
  /** The built renderer (out/renderer). */
  readonly rendererDirectory: string;
  readonly port: number;
  /** 127.0.0.1 unless the user asks for more. */
  readonly host?: string;
  /** A fixed token (tests, scripts); a random one otherwise. */
  readonly token?: string;
}

export interface WebHost {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** A frame bigger than this is refused: the largest legitimate one is an imported .onnx (see MAX_ONNX_BASE64). */
const MAX_FRAME_BYTES = MAX_ONNX_BASE64 + 64 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

function sameToken(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * `npm run web`: serves the built renderer and the workbench API over a WebSocket, on loopback by default.
 * The API needs the session token from the URL; the Host and Origin headers must name this server, so a
 * web page elsewhere (or a DNS-rebinding trick) cannot drive it.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const root = resolve(options.rendererDirectory);
  if (!existsSync(join(root, 'index.html'))) throw new Error(`${join(root, 'index.html')} is missing: run "npm run build" first`);
  const bindHost = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(SESSION_TOKEN_BYTES).toString('base64url');
  let port = options.port;

  const allowedHosts = (): Set<string> => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `${bindHost}:${port}`, `[::1]:${port}`]);

  const serveFile = (request: IncomingMessage, response: ServerResponse): void => {
    if (!allowedHosts().has(request.headers.host ?? '')) {
      response.writeHead(421, { 'Content-Type': 'text/plain' }).end('unknown host\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://host').pathname);
    let file = normalize(join(root, pathname));
    if (!file.startsWith(root + sep) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
    const isPage = file.endsWith('.html');
    response.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      // The session token is in the page's URL: never send it anywhere as a referrer.
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': isPage ? 'no-store' : 'no-cache',
    });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  };

  const server = createServer(serveFile);
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://host');
    const hostHeader = request.headers.host ?? '';
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    };
    if (url.pathname !== API_SOCKET_PATH) return refuse('404 Not Found');
    if (!allowedHosts().has(hostHeader)) return refuse('421 Misdirected Request');
    if (request.headers.origin !== undefined && request.headers.origin !== `http://${hostHeader}`) return refuse('403 Forbidden');
    if (!sameToken(sessionTokenOf(url.searchParams), token)) return refuse('401 Unauthorized');
    sockets.handleUpgrade(request, socket, head, (ws) => connect(ws));
  });

  const connect = (ws: WebSocket): void => {
    const send = (frame: WebFrame): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
    };
    const unsubscribe = options.service.subscribe((event) => send({ event }));
    ws.on('close', unsubscribe);
    ws.on('message', (data, isBinary) => {
      let frame: unknown;
      try {
        frame = isBinary ? undefined : JSON.parse(data.toString());
      } catch {
        frame = undefined;
      }
      const parsed = webRequestFrameSchema.safeParse(frame);
      if (!parsed.success) {
        ws.close(1008, 'invalid request frame');
        return;
      }
      const { id, method, params } = parsed.data;
      void options.service.handle(method, params).then((envelope) => send({ id, envelope }));
    });
  };

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, bindHost, () => resolveListen());
  });
  const address = server.address();
  // Listening on a TCP port, the address is never a pipe name (string) or null.
  if (address === null || typeof address === 'string') throw new Error(`the web host is not listening on a port (${String(address)})`);
  port = address.port;
  const shownHost = bindHost.includes(':') ? `[${bindHost}]` : bindHost;
  return {
    url: `http://${shownHost}:${port}/${sessionQuery(token)}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        server.close(() => resolveClose());
      }),
  };
}
