import { constants, type Stats } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { parseRequestTarget } from './request-target';

/** What the static server needs of an opened file: a FileHandle has it (tests wrap one to inject faults). */
export interface OpenedFile {
  stat(): Promise<Pick<Stats, 'isFile' | 'isDirectory' | 'size'>>;
  /** Bytes start..end (inclusive); the stream closes the file when it ends, fails or is destroyed. */
  createReadStream(options: { start: number; end: number }): Readable;
  close(): Promise<void>;
}
export type OpenFile = (path: string) => Promise<OpenedFile>;

/**
 * Opens read-only without following a symlink swapped in at the last moment and without blocking on a FIFO
 * or a device (opening a FIFO for reading would wait for a writer and hold a thread of the file pool); what
 * it opened is then checked with fstat, so a file swapped between lookup and open is still seen for what it is.
 */
export const openStaticFile: OpenFile = (path) => open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);

export interface StaticSite {
  /** The renderer directory, symlinks resolved. */
  readonly root: string;
  /** Sent with every answer (the CSP and friends). */
  readonly headers: Readonly<Record<string, string>>;
  readonly openFile: OpenFile;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const NOT_FOUND_CODES = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG']);

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && NOT_FOUND_CODES.has(error.code);
}

type Located = { readonly file: OpenedFile; readonly path: string; readonly size: number } | 'missing' | 'directory' | 'not-regular';

/** The regular file at `path` inside the root, opened; or what is there instead (a symlink out of the root is missing). */
async function locate(site: StaticSite, path: string): Promise<Located> {
  let real: string;
  let file: OpenedFile;
  try {
    real = await realpath(path);
    if (real !== site.root && !real.startsWith(site.root + sep)) return 'missing';
    file = await site.openFile(real);
  } catch (error) {
    // Removed (or replaced) between the lookup and the open, as during a rebuild: as if it never was there.
    if (isNotFound(error)) return 'missing';
    throw error;
  }
  try {
    const stats = await file.stat();
    if (stats.isFile()) return { file, path: real, size: stats.size };
    await file.close();
    return stats.isDirectory() ? 'directory' : 'not-regular';
  } catch (error) {
    await file.close().catch(() => undefined);
    throw error;
  }
}

function plain(site: StaticSite, response: ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  const body = `${message}\n`;
  response
    .writeHead(status, { ...site.headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store', ...extra })
    .end(body);
}

/**
 * Serves the built renderer: GET and HEAD only, no request bodies, regular files inside the root only. A path
 * that names no file is a route of the single-page app (index.html), unless it asks for an asset by its
 * extension (then 404). Rejects only on an unexpected file-system error (the caller answers 500).
 */
export async function serveStatic(site: StaticSite, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    plain(site, response, 405, `method ${request.method ?? ''} not allowed: this server only serves files`, { Allow: 'GET, HEAD' });
    return;
  }
  const contentLength = request.headers['content-length'];
  if (request.headers['transfer-encoding'] !== undefined || (contentLength !== undefined && contentLength !== '0')) {
    // The body is never read: close the connection after the answer rather than drain it.
    plain(site, response, 413, 'a request to this server must not have a body', { Connection: 'close' });
    return;
  }
  const target = parseRequestTarget(request.url);
  if (!target.ok) {
    plain(site, response, 400, `bad request: ${target.error}`);
    return;
  }
  const last = target.segments.at(-1) ?? '';
  let located: Located = last === '' ? 'directory' : await locate(site, join(site.root, ...target.segments));
  if (located === 'not-regular') {
    plain(site, response, 404, 'not found: not a regular file');
    return;
  }
  if (typeof located === 'string') {
    const extension = extname(last);
    if (located === 'missing' && extension !== '' && extension !== '.html') {
      plain(site, response, 404, 'not found');
      return;
    }
    located = await locate(site, join(site.root, 'index.html'));
    if (typeof located === 'string') {
      plain(site, response, 404, 'index.html is missing: run "npm run build"');
      return;
    }
  }
  const { file, path, size } = located;
  response.writeHead(200, {
    ...site.headers,
    'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
    'Content-Length': String(size),
    'Cache-Control': path.endsWith('.html') ? 'no-store' : 'no-cache',
  });
  if (request.method === 'HEAD' || size === 0) {
    response.end();
    await file.close();
    return;
  }
  // Exactly the bytes fstat promised, even if the file grows meanwhile. A read error (EIO) or a client that
  // leaves ends both streams; so does a file cut short by a rebuild. The client then sees the connection close
  // before Content-Length bytes, never a keep-alive connection waiting for bytes that will not come.
  const stream = file.createReadStream({ start: 0, end: size - 1 });
  let sent = 0;
  stream.on('data', (chunk: Buffer) => {
    sent += chunk.length;
  });
  pipeline(stream, response, (error) => {
    if (!error && sent < size) response.destroy();
  });
}
