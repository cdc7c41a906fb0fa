import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closed, httpRequest, openSocket, rawExchange, upgradeRequest } from './hostile-clients';
import { expectAlive, PAGE, RssPeak, startHostileHost, type HostileHost } from './hostile-fixture';
import { openStaticFile, type OpenedFile } from './static-files';

/**
 * Issue 13, items 1 and 11 and their siblings: hand-built HTTP requests against a real host on 127.0.0.1.
 * After every case the host still serves the page and an authenticated API call.
 */
describe('web host: hostile HTTP requests and file-system faults', () => {
  let fixture: HostileHost;
  const rss: Record<string, string> = {};

  beforeAll(async () => {
    // Short header timeout and a small connection cap so the slow-client and flood cases end quickly.
    fixture = await startHostileHost({ headersTimeoutMs: 400, requestTimeoutMs: 2000, idleSocketTimeoutMs: 1000, maxConnections: 40 });
    writeFileSync(join(fixture.renderer, 'app.js'), 'console.log(1)');
  });

  afterAll(async () => {
    await fixture.stop();
    if (process.env.BACKPROP_HOSTILE_REPORT) for (const [name, value] of Object.entries(rss)) console.log(`[rss] ${name}: ${value}`);
  });

  it.each([
    ['/%', 'not valid percent-encoding'],
    ['//[', 'empty segment'],
    ['/%E0%A4%A', 'not valid percent-encoding'],
    ['/%C0%AF', 'not valid percent-encoding'],
    ['/%00', 'NUL'],
    ['/a%2Fb.js', 'encoded slash'],
    ['/..%2F..%2Fetc%2Fpasswd', 'encoded slash'],
    ['/%5C..%5Cetc%5Cpasswd', 'backslash'],
    ['http://evil.example/app.js', 'must be a path'],
    ['*', 'must be a path'],
  ])('answers GET %s with 400 (%s), and stays up', async (target, message) => {
    const response = await httpRequest(fixture.port, 'GET', target);
    expect(response.status).toBe(400);
    expect(response.body.toString()).toContain(message);
    await expectAlive(fixture);
  });

  it('resolves ".." inside the root: /../../etc/passwd is a route of the app, not the file', async () => {
    for (const target of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/../../../etc/passwd']) {
      const response = await httpRequest(fixture.port, 'GET', target);
      expect(response.status).toBe(200);
      expect(response.body.toString()).toBe(PAGE);
    }
    await expectAlive(fixture);
  });

  it.each([
    ['//[', '400'],
    ['/%', '400'],
    ['/api?token=%', '401'],
    ['/elsewhere', '404'],
  ])('refuses an upgrade request to %s with %s, and stays up', async (target, status) => {
    const response = await rawExchange(fixture.port, upgradeRequest(fixture.port, target));
    expect(response.head).toMatch(new RegExp(`^HTTP/1.1 ${status}`));
    await expectAlive(fixture);
  });

  it('serves GET and HEAD only, with no request body', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'PROPFIND']) {
      const response = await httpRequest(fixture.port, method, '/');
      expect(response.status).toBe(405);
      expect(response.head).toContain('Allow: GET, HEAD');
    }
    const head = await httpRequest(fixture.port, 'HEAD', '/app.js');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    const withBody = await httpRequest(fixture.port, 'GET', '/', 'Content-Length: 5\r\n');
    expect(withBody.status).toBe(413);
    const chunked = await httpRequest(fixture.port, 'GET', '/', 'Transfer-Encoding: chunked\r\n');
    expect(chunked.status).toBe(413);
    // CONNECT has no handler: Node closes the connection.
    expect((await rawExchange(fixture.port, `CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n`)).status).not.toBe(200);
    await expectAlive(fixture);
  });

  it('refuses oversized headers with 431 and a header flood without growing', async () => {
    expect((await httpRequest(fixture.port, 'GET', '/', `X-Big: ${'a'.repeat(20_000)}\r\n`)).status).toBe(431);
    const many = Array.from({ length: 2000 }, (_, i) => `X-H${i}: v\r\n`).join('');
    expect([200, 431]).toContain((await httpRequest(fixture.port, 'GET', '/', many)).status);
    expect((await httpRequest(fixture.port, 'GET', `/${'a'.repeat(20_000)}`)).status).toBe(431);
    await expectAlive(fixture);
  });

  it('never serves a file outside the renderer directory through a symlink, nor a FIFO, a device or a directory', async () => {
    symlinkSync('/etc/passwd', join(fixture.renderer, 'passwd.js'));
    symlinkSync('/dev/zero', join(fixture.renderer, 'zero.js'));
    symlinkSync('/', join(fixture.renderer, 'everything'));
    execFileSync('mkfifo', [join(fixture.renderer, 'fifo.js')]);
    mkdirSync(join(fixture.renderer, 'folder.js'));
    for (const target of ['/passwd.js', '/zero.js', '/fifo.js', '/everything/etc/hostname.js']) {
      const response = await httpRequest(fixture.port, 'GET', target);
      expect(response.status, target).toBe(404);
      expect(response.body.toString()).not.toContain('root:');
    }
    expect((await httpRequest(fixture.port, 'GET', '/everything/etc/passwd')).body.toString()).toBe(PAGE);
    expect((await httpRequest(fixture.port, 'GET', '/folder.js')).body.toString()).toBe(PAGE);
    await expectAlive(fixture);
  });

  describe('file-system faults between lookup and read', () => {
    const file = (): string => join(fixture.renderer, 'chunk.js');
    const size = 1024 * 1024;

    async function withFault(open: (path: string) => Promise<OpenedFile>, run: () => Promise<void>): Promise<void> {
      writeFileSync(file(), Buffer.alloc(size, 0x61));
      fixture.openFile = (path) => (path === file() ? open(path) : openStaticFile(path));
      try {
        await run();
      } finally {
        fixture.openFile = openStaticFile;
        rmSync(file(), { recursive: true, force: true });
      }
      await expectAlive(fixture);
    }

    it('a file removed after the lookup (a rebuild) is a 404', () =>
      withFault(
        async (path) => {
          rmSync(path);
          return openStaticFile(path);
        },
        async () => expect((await httpRequest(fixture.port, 'GET', '/chunk.js')).status).toBe(404),
      ));

    it('a file replaced by a directory after the lookup is not read as a file', () =>
      withFault(
        async (path) => {
          rmSync(path);
          mkdirSync(path);
          return openStaticFile(path);
        },
        async () => expect((await httpRequest(fixture.port, 'GET', '/chunk.js')).body.toString()).toBe(PAGE),
      ));

    it('EIO on open or on fstat is a 500', async () => {
      const eio = (): Error => Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
      await withFault(
        () => Promise.reject(eio()),
        async () => expect((await httpRequest(fixture.port, 'GET', '/chunk.js')).status).toBe(500),
      );
      await withFault(
        async (path) => {
          const handle = await openStaticFile(path);
          return { stat: () => Promise.reject(eio()), createReadStream: (o) => handle.createReadStream(o), close: () => handle.close() };
        },
        async () => expect((await httpRequest(fixture.port, 'GET', '/chunk.js')).status).toBe(500),
      );
    });

    it('EIO in the middle of the stream cuts the answer short and closes the connection', () =>
      withFault(
        async (path) => {
          const handle = await openStaticFile(path);
          return {
            stat: () => handle.stat(),
            createReadStream: () => {
              void handle.close();
              let sent = false;
              return new Readable({
                read() {
                  if (!sent) {
                    sent = true;
                    this.push(Buffer.alloc(64 * 1024, 0x61));
                  } else {
                    // The disk fails on the next read, after the first chunk has gone out.
                    setImmediate(() => this.destroy(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' })));
                  }
                },
              });
            },
            close: () => handle.close(),
          };
        },
        async () => {
          const response = await httpRequest(fixture.port, 'GET', '/chunk.js');
          expect(response.status).toBe(200);
          expect(response.head).toContain(`Content-Length: ${size}`);
          expect(response.body.length).toBeLessThan(size);
        },
      ));

    it('a file truncated after fstat ends the answer early and closes the connection', () =>
      withFault(
        async (path) => {
          const handle = await openStaticFile(path);
          await handle.stat();
          return {
            stat: async () => {
              const stats = await handle.stat();
              truncateSync(path, 1000);
              return stats;
            },
            createReadStream: (o) => handle.createReadStream(o),
            close: () => handle.close(),
          };
        },
        async () => {
          const response = await httpRequest(fixture.port, 'GET', '/chunk.js');
          expect(response.head).toContain(`Content-Length: ${size}`);
          expect(response.body.length).toBe(1000);
        },
      ));
  });

  it('slow clients that never finish their headers are dropped by the header timeout', async () => {
    const sockets = await Promise.all(Array.from({ length: 30 }, () => openSocket(fixture.port)));
    for (const socket of sockets) {
      socket.on('error', () => undefined);
      socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${fixture.port}\r\nX-Slow: `);
    }
    const answers = sockets.map((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      return closed(socket).then(() => Buffer.concat(chunks).toString('latin1'));
    });
    for (const answer of await Promise.all(answers)) expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    await expectAlive(fixture);
  });

  it('a client that pipelines requests for a big file and never reads is dropped when its connection goes idle', async () => {
    writeFileSync(join(fixture.renderer, 'big.js'), Buffer.alloc(8 * 1024 * 1024, 0x61));
    const peak = new RssPeak();
    const socket = await openSocket(fixture.port);
    socket.on('error', () => undefined);
    socket.pause();
    // 100 requests for 8 MB each: 800 MB if the host queued every answer.
    socket.write(`GET /big.js HTTP/1.1\r\nHost: 127.0.0.1:${fixture.port}\r\n\r\n`.repeat(100));
    await fixture.host.idle();
    rss['100 pipelined GETs of an 8 MB file, never read'] = peak.summary();
    socket.destroy();
    rmSync(join(fixture.renderer, 'big.js'));
    await expectAlive(fixture);
  });

  it('a flood of connections is served up to the cap; over it, connections are dropped on accept', async () => {
    const capped = await startHostileHost({ maxConnections: 20, keepAliveTimeoutMs: 60_000 });
    try {
      const peak = new RssPeak();
      // 20 keep-alive connections, each answered once (so the host has accepted it), then held open.
      const held = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const socket = await openSocket(capped.port);
          socket.on('error', () => undefined);
          await new Promise<void>((resolve) => {
            socket.once('data', () => resolve());
            socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${capped.port}\r\n\r\n`);
          });
          return socket;
        }),
      );
      const over = await Promise.all(Array.from({ length: 300 }, () => httpRequest(capped.port, 'GET', '/').then((r) => r.status, () => 0)));
      peak.sample();
      expect(over.every((status) => status === 0)).toBe(true);
      for (const socket of held) socket.destroy();
      rss['20 held connections (the cap) and 300 more'] = `${peak.summary()}; all 300 over the cap dropped unanswered`;
      await expectAlive(capped);
    } finally {
      await capped.stop();
    }
  });
});
