/**
 * Peak memory of the real web host (`src-web/index.ts`, default limits, its own process) under the hostile
 * cases, for issue 13's report. A measurement, not a test: `npx tsx bench/web-host-hostile.ts` (Linux: it
 * reads the host's VmHWM from /proc and resets it between cases). Needs the renderer build (npm run build).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_REQUEST_BYTES } from '../src-shared/api';
import { API_SOCKET_PATH, sessionQuery } from '../src-shared/web-session';
import { closed, frame, httpRequest, openSocket, PING, rawExchange, RawWebSocket, TEXT, upgradeRequest } from '../src-web/hostile-clients';

const TOKEN = 'measure-token-0123456789abcdef';
const runs = mkdtempSync(join(tmpdir(), 'bpw-measure-'));
const host = spawn(process.execPath, ['--import', 'tsx', 'src-web/index.ts', '--port', '0', '--token', TOKEN, '--runs-dir', runs], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve, reject) => {
  let output = '';
  host.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const match = /127\.0\.0\.1:(\d+)\//.exec(output);
    if (match) resolve(Number(match[1]));
  });
  host.once('exit', (code) => reject(new Error(`the host exited (${code}) before listening`)));
});
const pid = host.pid!;
const target = `${API_SOCKET_PATH}${sessionQuery(TOKEN)}`;

function megabytes(field: 'VmHWM' | 'VmRSS'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`)) ?? '';
  return Math.round(Number(/(\d+)/.exec(line)?.[1] ?? 0) / 1024);
}

async function alive(): Promise<string> {
  if (host.exitCode !== null) return `HOST DIED (exit ${host.exitCode})`;
  const page = await httpRequest(port, 'GET', '/');
  const socket = await RawWebSocket.open(port, target);
  socket.send(frame(TEXT, '{"id":1,"method":"info","params":{}}'));
  const reply = await socket.next();
  socket.socket.destroy();
  const ok = page.status === 200 && reply !== null && reply.payload.includes('"ok":true');
  return ok ? 'alive (GET / 200, info ok)' : `NOT SERVING (GET / ${page.status})`;
}

const rows: string[] = [];
async function measure(name: string, run: () => Promise<string>): Promise<void> {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const before = megabytes('VmRSS');
  const result = await run();
  rows.push(`| ${name} | ${result} | ${before} MB | ${megabytes('VmHWM')} MB | ${await alive()} |`);
}

await measure('GET /%, GET //[, upgrade to //[', async () => {
  const statuses = [(await httpRequest(port, 'GET', '/%')).status, (await httpRequest(port, 'GET', '//[')).status];
  statuses.push(Number(/ (\d{3}) /.exec((await rawExchange(port, upgradeRequest(port, '//['))).head)?.[1]));
  return `answered ${statuses.join(', ')}`;
});

await measure('WS: invalid UTF-8, reserved opcode, unmasked, 2^63-byte frame', async () => {
  const codes: number[] = [];
  for (const bytes of [frame(TEXT, Buffer.from([0xc3, 0x28])), frame(0x3, 'x'), frame(TEXT, 'x', { masked: false }), frame(TEXT, '', { declaredLength: 2n ** 63n })]) {
    const socket = await RawWebSocket.open(port, target);
    socket.send(bytes);
    codes.push((await socket.closeFrame())?.code ?? 0);
  }
  return `closed ${codes.join(', ')}`;
});

// The worst a token holder can make the host buffer: every API socket in the middle of a largest message.
await measure('WS: 8 sockets each 48 MB into a 48 MB message, never finished', async () => {
  const sockets = await Promise.all(Array.from({ length: 8 }, () => RawWebSocket.open(port, target)));
  const payload = Buffer.alloc(MAX_REQUEST_BYTES - 1, 0x20);
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.socket.write(frame(TEXT, payload, { declaredLength: BigInt(MAX_REQUEST_BYTES) }).subarray(0, -1), () => resolve()))));
  const refused = (await rawExchange(port, upgradeRequest(port, target))).status;
  for (const s of sockets) s.socket.destroy();
  return `a 9th socket refused ${refused}`;
});

await measure('WS: 8 sockets each send a complete 48 MB frame (parsed, refused)', async () => {
  const sockets = await Promise.all(Array.from({ length: 8 }, () => RawWebSocket.open(port, target)));
  const text = `{"id":1,"method":"info","params":{},"pad":"${'x'.repeat(MAX_REQUEST_BYTES - 100)}"}`;
  for (const s of sockets) s.send(frame(TEXT, text));
  const replies = await Promise.all(sockets.map((s) => s.next()));
  for (const s of sockets) s.socket.destroy();
  return `${replies.filter((r) => r?.payload.includes('invalid request frame')).length} of 8 answered "invalid request frame"`;
});

await measure('WS: 200 000 pings, pongs never read', async () => {
  const socket = (await RawWebSocket.open(port, target)).stopReading();
  socket.on('error', () => undefined);
  const batch = Buffer.concat(Array.from({ length: 1000 }, () => frame(PING, Buffer.alloc(125))));
  let sent = 0;
  while (!socket.destroyed && sent < 200) {
    const ok = await new Promise<boolean>((resolve) => socket.write(batch, (error) => resolve(!error)));
    if (!ok) break;
    sent++;
  }
  socket.destroy();
  return `dropped after ${sent} x 1000 pings`;
});

await measure('HTTP: 1000 connections at once, 1000 slow-header clients', async () => {
  const answers = await Promise.all(Array.from({ length: 1000 }, () => httpRequest(port, 'GET', '/').then((r) => r.status, () => 0)));
  const slow = await Promise.all(Array.from({ length: 1000 }, () => openSocket(port).catch(() => null)));
  for (const s of slow) s?.on('error', () => undefined).write('GET / HTTP/1.1\r\nX-Slow: ');
  for (const s of slow) s?.destroy();
  await Promise.all(slow.map((s) => (s ? closed(s) : undefined)));
  return `${answers.filter((s) => s === 200).length} served, ${answers.filter((s) => s === 0).length} dropped over the cap`;
});

console.log('| case | result | host RSS before | host peak RSS (VmHWM) | after |\n|---|---|---|---|---|');
console.log(rows.join('\n'));
host.kill('SIGTERM');
await new Promise((resolve) => host.once('exit', resolve));
rmSync(runs, { recursive: true, force: true });
