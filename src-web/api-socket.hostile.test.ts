import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebFrame } from '../src-shared/api';
import { BINARY, CLOSE, CONTINUATION, frame, PING, RawWebSocket, TEXT, upgradeRequest, rawExchange, closed } from './hostile-clients';
import { expectAlive, RssPeak, startHostileHost, type HostileHost } from './hostile-fixture';

const MAX_FRAME = 256 * 1024;
const MAX_UNSENT = 2 * 1024 * 1024;

/**
 * Issue 13, item 2 and its siblings: WebSocket frames built by hand against a real host on 127.0.0.1, by a
 * client that holds the session token. Each bad frame is answered with an error or a close with a reason;
 * after each case the host still serves the page and an authenticated API call.
 */
describe('web host: hostile WebSocket clients', { timeout: 20_000 }, () => {
  let fixture: HostileHost;
  const rss: Record<string, string> = {};
  const open = (): Promise<RawWebSocket> => RawWebSocket.open(fixture.port, fixture.apiTarget);

  beforeAll(async () => {
    fixture = await startHostileHost({
      maxFrameBytes: MAX_FRAME,
      maxFragments: 64,
      maxUnsentBytes: MAX_UNSENT,
      closeTimeoutMs: 200,
      maxApiSockets: 4,
      requests: { perClient: 4, total: 6, totalBytes: MAX_FRAME + 64 * 1024 },
    });
  });

  afterAll(async () => {
    await fixture.stop();
    if (process.env.BACKPROP_HOSTILE_REPORT) for (const [name, value] of Object.entries(rss)) console.log(`[rss] ${name}: ${value}`);
  });

  const fragments = (count: number, size: number): Buffer[] => [
    frame(TEXT, Buffer.alloc(size, 0x20), { fin: false }),
    ...Array.from({ length: count }, () => frame(CONTINUATION, Buffer.alloc(size, 0x20), { fin: false })),
  ];
  const closeWith = (code: number, extra = Buffer.alloc(0)): Buffer => {
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    return frame(CLOSE, Buffer.concat([payload, extra]));
  };

  it.each<[string, number, () => Buffer[], string]>([
    ['an invalid UTF-8 text frame', 1007, () => [frame(TEXT, Buffer.from([0x7b, 0xc3, 0x28, 0x7d]))], ''],
    ['invalid UTF-8 split over fragments', 1007, () => [frame(TEXT, Buffer.from([0x22, 0xe2, 0x82]), { fin: false }), frame(CONTINUATION, Buffer.from([0x28, 0x22]))], ''],
    ['a frame declaring 1 TB', 1009, () => [frame(TEXT, Buffer.alloc(0), { declaredLength: 2n ** 40n })], ''],
    ['a frame declaring 2^63 bytes', 1009, () => [frame(TEXT, Buffer.alloc(0), { declaredLength: 2n ** 63n })], ''],
    ['a message over the size limit in fragments', 1009, () => [frame(TEXT, Buffer.alloc(200_000, 0x20), { fin: false }), frame(CONTINUATION, Buffer.alloc(200_000, 0x20))], ''],
    ['reserved opcode 0x3', 1002, () => [frame(0x3, '{}')], ''],
    ['reserved control opcode 0xB', 1002, () => [frame(0xb, '')], ''],
    ['an unmasked frame', 1002, () => [frame(TEXT, '{}', { masked: false })], ''],
    ['an RSV1 bit without an extension', 1002, () => [frame(TEXT, '{}', { rsv: 4 })], ''],
    ['a continuation with no message started', 1002, () => [frame(CONTINUATION, 'x')], ''],
    ['a fragmented ping', 1002, () => [frame(PING, 'x', { fin: false })], ''],
    ['a ping of 126 bytes', 1002, () => [frame(PING, Buffer.alloc(126))], ''],
    ['close code 999', 1002, () => [closeWith(999)], ''],
    ['close code 1005 (reserved)', 1002, () => [closeWith(1005)], ''],
    ['close code 5000', 1002, () => [closeWith(5000)], ''],
    ['a close reason of invalid UTF-8', 1007, () => [closeWith(1000, Buffer.from([0xff]))], ''],
    ['a one-byte close payload', 1002, () => [frame(CLOSE, Buffer.from([0x03]))], ''],
    ['a flood of 1-byte fragments', 1008, () => fragments(1000, 1), ''],
    ['a flood of empty fragments', 1008, () => fragments(5000, 0), ''],
    ['a binary frame', 1003, () => [frame(BINARY, Buffer.from('{"id":1,"method":"info"}'))], 'binary frames are not supported'],
    ['text that is not JSON', 1007, () => [frame(TEXT, '{"id":1,')], 'not JSON'],
    ['JSON nested 100000 deep', 1008, () => [frame(TEXT, '['.repeat(100_000) + ']'.repeat(100_000))], 'nests deeper than 32'],
    ['params nested 40 deep', 1008, () => [frame(TEXT, `{"id":1,"method":"info","params":${'['.repeat(40)}${']'.repeat(40)}}`)], 'nests deeper than 32'],
    ['a JSON value that is no request', 1008, () => [frame(TEXT, '{"hello":"world"}')], 'a frame must be'],
  ])('%s: the socket is closed with %i', async (_name, code, frames, reason) => {
    const socket = await open();
    for (const bytes of frames()) socket.send(bytes);
    const close = await socket.closeFrame();
    expect(close?.code).toBe(code);
    expect(close?.reason).toContain(reason);
    await expectAlive(fixture);
  });

  it('a valid close is answered in kind', async () => {
    const socket = await open();
    socket.send(closeWith(1000));
    expect((await socket.closeFrame())?.code).toBe(1000);
    await expectAlive(fixture);
  });

  it('a request with an id but a bad method gets an error answer, and the socket stays usable', async () => {
    const socket = await open();
    const answer = async (text: string): Promise<WebFrame> => {
      socket.send(frame(TEXT, text));
      const reply = await socket.next();
      return JSON.parse(reply!.payload.toString()) as WebFrame;
    };
    expect(await answer('{"id":7,"method":42}')).toEqual({ id: 7, envelope: { ok: false, error: expect.stringContaining('invalid request frame: method') } });
    expect(await answer('{"id":8,"method":"noSuchMethod","params":{}}')).toEqual({ id: 8, envelope: { ok: false, error: 'unknown method "noSuchMethod"' } });
    expect(await answer('{"id":9,"method":"info","params":{"extra":true}}')).toMatchObject({ id: 9, envelope: { ok: false } });
    expect(await answer('{"id":10,"method":"info","params":{}}')).toMatchObject({ id: 10, envelope: { ok: true } });
    socket.send(closeWith(1000));
    await socket.closeFrame();
    await expectAlive(fixture);
  });

  it('more API sockets than the cap are refused with 503', async () => {
    const sockets = await Promise.all([open(), open(), open(), open()]);
    const refused = await rawExchange(fixture.port, upgradeRequest(fixture.port, fixture.apiTarget));
    expect(refused.status).toBe(503);
    expect(refused.body.toString()).toContain('too many API connections');
    for (const socket of sockets) {
      socket.send(closeWith(1000));
      await socket.closeFrame();
    }
    await expectAlive(fixture);
  });

  it('requests over the in-flight budget are refused at once with an error answer, per socket and in total', async () => {
    const release = fixture.service.hold();
    const peak = new RssPeak();
    const first = await open();
    const second = await open();
    const flood = 5000;
    for (let id = 1; id <= flood; id++) first.send(frame(TEXT, `{"id":${id},"method":"info","params":{}}`));
    const refusals: string[] = [];
    for (let n = 0; n < flood - 4; n++) {
      const reply = JSON.parse((await first.next())!.payload.toString()) as WebFrame & { envelope: { ok: false; error: string } };
      refusals.push(reply.envelope.error);
      if (n % 500 === 0) peak.sample();
    }
    expect(new Set(refusals)).toEqual(new Set(['request refused: 4 requests of this connection are still being served; wait for their answers']));
    // Two more fit in the total of 6; the third is refused.
    for (let id = 1; id <= 3; id++) second.send(frame(TEXT, `{"id":${id},"method":"info","params":{}}`));
    const busy = JSON.parse((await second.next())!.payload.toString()) as WebFrame;
    expect(busy).toEqual({ id: 3, envelope: { ok: false, error: 'request refused: the host is busy serving 6 requests; try again when they have finished' } });
    release();
    const held = [await first.next(), await first.next(), await first.next(), await first.next(), await second.next(), await second.next()];
    expect(held.map((reply) => (JSON.parse(reply!.payload.toString()) as { envelope: { ok: boolean } }).envelope.ok)).toEqual([true, true, true, true, true, true]);
    rss[`${flood} requests on one socket while 4 are held`] = peak.summary();
    for (const socket of [first, second]) {
      socket.send(closeWith(1000));
      await socket.closeFrame();
    }
    await expectAlive(fixture);
  });

  it('a request too large for the bytes still free in the budget is refused', async () => {
    const release = fixture.service.hold();
    const socket = await open();
    const padded = (id: number): Buffer => frame(TEXT, `{"id":${id},"method":"info","params":{},"pad":"${'x'.repeat(200_000)}"}`);
    // The padding makes the frame invalid (strict schema) only after admission: admission counts its bytes.
    socket.send(frame(TEXT, `{"id":1,"method":"info","params":{"pad":"${'x'.repeat(200_000)}"}}`));
    socket.send(padded(2));
    const second = JSON.parse((await socket.next())!.payload.toString()) as WebFrame;
    expect(second).toMatchObject({ id: 2, envelope: { ok: false, error: expect.stringContaining('invalid request frame') } });
    socket.send(frame(TEXT, `{"id":3,"method":"info","params":{"pad":"${'x'.repeat(200_000)}"}}`));
    const third = JSON.parse((await socket.next())!.payload.toString()) as WebFrame;
    expect(third).toEqual({ id: 3, envelope: { ok: false, error: expect.stringMatching(/^request refused: the host is busy with 196 KB of requests/) } });
    release();
    expect(JSON.parse((await socket.next())!.payload.toString())).toMatchObject({ id: 1, envelope: { ok: false } });
    socket.send(closeWith(1000));
    await socket.closeFrame();
    await expectAlive(fixture);
  });

  it('a client that never reads while events flow is closed, not buffered for without limit', async () => {
    const baseline = fixture.service.subscribed;
    const socket = (await open()).stopReading();
    const peak = new RssPeak();
    const message = 'x'.repeat(64 * 1024);
    // 4000 events of 64 KB: 256 MB if the host kept them all for this client.
    for (let i = 0; i < 4000; i++) {
      fixture.service.real.emit({ type: 'log', runId: '', level: 'info', message });
      if (i % 100 === 0) peak.sample();
    }
    // The host gives up on the socket: unsent answers and events never exceed the cap (plus what the kernel holds).
    await fixture.service.whenSubscribed(baseline);
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.resume();
    await closed(socket);
    rss['4000 events of 64 KB to a client that never reads'] = `${peak.summary()}; the client received ${Math.round(received / 1048576)} MB`;
    expect(received).toBeLessThan(MAX_UNSENT + 32 * 1024 * 1024);
    await expectAlive(fixture);
  });

  it('a client that pings without reading the pongs is dropped', async () => {
    const baseline = fixture.service.subscribed;
    const socket = (await open()).stopReading();
    socket.on('error', () => undefined);
    const peak = new RssPeak();
    const batch = Buffer.concat(Array.from({ length: 1000 }, () => frame(PING, Buffer.alloc(125, 0x70))));
    let batches = 0;
    // At most 2000 batches (262 MB of pings); the host drops the socket long before.
    while (!socket.destroyed && fixture.service.subscribed > baseline && batches < 2000) {
      await new Promise<void>((resolve) => socket.write(batch, () => resolve()));
      batches++;
      peak.sample();
    }
    await fixture.service.whenSubscribed(baseline);
    rss[`ping flood, pongs never read (${batches} x 1000 pings)`] = peak.summary();
    expect(batches).toBeLessThan(2000);
    socket.destroy();
    await expectAlive(fixture);
  });
});
