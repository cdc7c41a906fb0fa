import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * Hand-built HTTP requests and WebSocket frames for the hostile-input tests: what a broken or malicious
 * client sends, byte for byte, with nothing (no browser, no ws client) to tidy it up on the way.
 */

export interface RawResponse {
  readonly status: number;
  readonly head: string;
  readonly body: Buffer;
}

/** Opens a TCP connection to the host; resolves once connected. */
export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** The promise of a socket's close (after the host ended or dropped it). */
export function closed(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** Sends raw bytes and reads everything until the host closes the connection. */
export async function rawExchange(port: number, request: string | Buffer): Promise<RawResponse> {
  const socket = await openSocket(port);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  // A reset after the answer (the host closing with our bytes unread) still leaves the answer read.
  socket.on('error', () => undefined);
  socket.write(request);
  await closed(socket);
  const all = Buffer.concat(chunks);
  const end = all.indexOf('\r\n\r\n');
  const head = all.subarray(0, end < 0 ? all.length : end).toString('latin1');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  return { status, head, body: end < 0 ? Buffer.alloc(0) : all.subarray(end + 4) };
}

/** `METHOD target` with this host's Host header, closing after the answer. */
export function httpRequest(port: number, method: string, target: string, extraHeaders = ''): Promise<RawResponse> {
  return rawExchange(port, `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n${extraHeaders}\r\n`);
}

export function upgradeRequest(port: number, target: string, extraHeaders = ''): string {
  const key = randomBytes(16).toString('base64');
  return `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extraHeaders}\r\n`;
}

export interface FrameOptions {
  readonly fin?: boolean;
  readonly masked?: boolean;
  /** The RSV1-3 bits (no extension is negotiated, so any set bit is a protocol error). */
  readonly rsv?: number;
  /** A length to declare instead of the payload's own (to claim a frame bigger than what follows). */
  readonly declaredLength?: bigint;
}

const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

/** One WebSocket frame as a client sends it (masked unless told otherwise). */
export function frame(opcode: number, payload: Buffer | string, options: FrameOptions = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const length = options.declaredLength ?? BigInt(data.length);
  const masked = options.masked ?? true;
  const first = ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode;
  const maskBit = masked ? 0x80 : 0;
  let header: Buffer;
  if (length < 126n) header = Buffer.from([first, maskBit | Number(length)]);
  else if (length < 65536n) {
    header = Buffer.alloc(4);
    header.writeUInt8(first, 0);
    header.writeUInt8(maskBit | 126, 1);
    header.writeUInt16BE(Number(length), 2);
  } else {
    header = Buffer.alloc(10);
    header.writeUInt8(first, 0);
    header.writeUInt8(maskBit | 127, 1);
    header.writeBigUInt64BE(length, 2);
  }
  if (!masked) return Buffer.concat([header, data]);
  const body = Buffer.from(data);
  for (let i = 0; i < body.length; i++) body[i] ^= MASK[i % 4];
  return Buffer.concat([header, MASK, body]);
}

export const TEXT = 0x1;
export const BINARY = 0x2;
export const CONTINUATION = 0x0;
export const CLOSE = 0x8;
export const PING = 0x9;

export interface ServerFrame {
  readonly opcode: number;
  readonly payload: Buffer;
}

/**
 * A WebSocket opened by hand: the handshake over a raw socket, then frames in both directions. Frames the
 * host sends are parsed as they arrive; `next()` waits for the next one (or the connection's end).
 */
export class RawWebSocket {
  private buffered = Buffer.alloc(0);
  private readonly frames: ServerFrame[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;

  private readonly onData = (chunk: Buffer): void => {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    this.parse();
    this.wake();
  };

  private constructor(readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }

  /** Completes the handshake to `target` (the API path with the token); rejects with the refusal otherwise. */
  static async open(port: number, target: string): Promise<RawWebSocket> {
    const socket = await openSocket(port);
    const head = await new Promise<Buffer>((resolve, reject) => {
      let received = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        received = Buffer.concat([received, chunk]);
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        socket.pause();
        if (!received.subarray(0, 12).toString('latin1').includes(' 101')) reject(new Error(received.subarray(0, end).toString('latin1')));
        else {
          // Bytes after the handshake are the first frames.
          socket.unshift(received.subarray(end + 4));
          resolve(received);
        }
      };
      socket.on('data', onData);
      socket.once('close', () => reject(new Error('closed during the handshake')));
      socket.write(upgradeRequest(port, target));
    });
    if (head.length === 0) throw new Error('no handshake');
    const raw = new RawWebSocket(socket);
    socket.resume();
    return raw;
  }

  /** From now on a client that never reads: nothing more is taken from the socket (the caller may resume it). */
  stopReading(): Socket {
    this.socket.off('data', this.onData);
    this.socket.pause();
    return this.socket;
  }

  send(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** The next frame from the host, or null once the connection has ended without one. */
  async next(): Promise<ServerFrame | null> {
    for (;;) {
      const frame = this.frames.shift();
      if (frame) return frame;
      if (this.ended) return null;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  /** Reads frames until the host's close frame: its status code and reason (null if it never sent one). */
  async closeFrame(): Promise<{ code: number; reason: string } | null> {
    for (let frame = await this.next(); frame; frame = await this.next()) {
      if (frame.opcode === CLOSE) {
        this.socket.end();
        return { code: frame.payload.readUInt16BE(0), reason: frame.payload.subarray(2).toString('utf8') };
      }
    }
    return null;
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  private parse(): void {
    for (;;) {
      const b = this.buffered;
      if (b.length < 2) return;
      let length = b[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (b.length < offset + length) return;
      this.frames.push({ opcode: b[0] & 0x0f, payload: b.subarray(offset, offset + length) });
      this.buffered = b.subarray(offset + length);
    }
  }
}
