import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../src-shared/config';
import { processStartTime } from './process-identity';
import { LOCK_FILE } from './run-layout';
import { RunStore } from './run-store';

const config = parseTrainConfig({ backend: 'ts' });
const children: Array<{ kill: () => void }> = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

/** A live process that is not this one (it idles until killed), with its pid. */
async function liveProcess(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'process.stdout.write("up"); setInterval(() => {}, 1 << 30)']);
  children.push({ kill: () => child.kill('SIGKILL') });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return child.pid!;
}

/** A pid whose process has ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise<void>((resolve) => child.on('close', () => resolve()));
  return child.pid!;
}

async function runWithLock(lock: unknown): Promise<{ store: RunStore; id: string }> {
  const store = new RunStore(join(await mkdtemp(join(tmpdir(), 'bpw-lockfile-')), 'runs'), '0.0.0-test');
  const { id } = await store.create(config);
  await writeFile(join(store.directory(id), LOCK_FILE), typeof lock === 'string' ? lock : JSON.stringify(lock));
  return { store, id };
}

const owner = (pid: number, started: string | null, purpose = 'train'): object => ({ pid, started, purpose, holder: 'npm run train', since: '2025-01-01T00:00:00.000Z', nonce: 'n' });

describe('run.lock names a live owner; stale locks are taken over (issue 13, item 6)', () => {
  it('a live other process holds it: claims, renames and deletes are refused naming it', async () => {
    const pid = await liveProcess();
    const { store, id } = await runWithLock(owner(pid, processStartTime(pid)));
    const named = new RegExp(`run ${id} is being trained by process ${pid} \\(npm run train, since 2025-01-01`);
    await expect(store.claim(id)).rejects.toThrow(named);
    await expect(store.rename(id, 'x')).rejects.toThrow(named);
    await expect(store.delete(id)).rejects.toThrow(named);
    expect((await store.otherOwner(id))?.pid).toBe(pid);
  });

  it.each([
    ['its owner has exited', async () => owner(await deadPid(), 'gone')],
    ['its pid now belongs to another process (start times differ)', async () => owner(await liveProcess(), 'started-long-ago')],
    ['it names this very process under another start time (a pid reused after a restart)', async () => owner(process.pid, 'an-earlier-boot:1')],
    ['it is not a lock (damaged)', async () => '{ "pid": '],
    ['it names pid 0 (which would signal a whole process group)', async () => owner(0, null)],
  ])('taken over when %s, with a note', async (_name, make) => {
    const { store, id } = await runWithLock(await make());
    const claim = await store.claim(id);
    expect(claim.replaced).toBeDefined();
    expect(JSON.parse(await readFile(join(store.directory(id), LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, purpose: 'train' });
    await claim.release();
  });

  it('another process\'s one rewrite is waited for, not refused', async () => {
    const pid = await liveProcess();
    const { store, id } = await runWithLock(owner(pid, processStartTime(pid), 'write'));
    let done = false;
    const renamed = store.rename(id, 'after the wait').finally(() => (done = true));
    const gone = await deadPid();
    // Whatever the timing, the rename never went past a live owner's rewrite.
    expect(done).toBe(false);
    // The owner finishes its rewrite (its lock now names an ended process), and the rename goes through.
    await writeFile(join(store.directory(id), LOCK_FILE), JSON.stringify(owner(gone, 'gone', 'write')));
    expect((await renamed).name).toBe('after the wait');
  });
});
