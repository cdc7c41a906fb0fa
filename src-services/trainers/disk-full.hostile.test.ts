import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseTrainConfig, type TrainConfigInput } from '../../src-shared/config';
import type { MetricsLine, RunRecord } from '../../src-shared/run-record';
import { writeDenseIdxDataset } from '../data/idx-fixtures';
import { FullDisk } from '../runs/disk-fault';
import { CHECKPOINT_FILE, LOCK_FILE, METRICS_FILE, RUN_FILE } from '../runs/run-layout';
import { RunStore } from '../runs/run-store';
import { FakeTrainerProcess } from './fake-trainer-process';
import { RunSupervisor } from './run-supervisor';
import { testTrainerFactory } from './test-trainers';
import type { TrainerProcessFactory } from './trainer-process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A small tmpfs where this machine lets us mount one (root, not in a locked-down container); else why not. */
function probeTmpfs(): string | undefined {
  const probe = mkdtempSync(join(tmpdir(), 'bpw-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs here (${(error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message}); the injected full disk covers these cases`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
const tmpfsUnavailable = probeTmpfs();
if (tmpfsUnavailable) console.log(`\n[disk-full] tmpfs cases skipped: ${tmpfsUnavailable}\n`);

const mounts: string[] = [];
function smallDisk(size: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bpw-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  mounts.push(dir);
  return dir;
}
afterAll(() => {
  // Lazy: a trainer still closing a file does not keep the mount.
  for (const dir of mounts.splice(0)) {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    rmSync(dir, { recursive: true, force: true });
  }
});

let dataset: string;
let config: TrainConfigInput;
beforeAll(async () => {
  dataset = join(await mkdtemp(join(tmpdir(), 'bpw-disk-data-')), 'dense');
  await writeDenseIdxDataset(dataset, { train: 500, test: 100, rows: 28, cols: 28 });
  // 784-16-10 float32: a checkpoint of ~53 kB, written at every evaluation (iterations 1, 11, 21, ...).
  config = { dataset: { kind: 'idx', path: dataset }, network: { hiddenSizes: [16] }, training: { iterations: 200, batchSize: 50, evaluationSamples: 100 }, backend: 'ts' };
});

const supervisors: RunSupervisor[] = [];
afterEach(async () => {
  for (const supervisor of supervisors.splice(0)) await supervisor.shutdown();
});

function supervisorOn(store: RunStore, factory: TrainerProcessFactory): { supervisor: RunSupervisor; statuses: RunRecord[] } {
  const supervisor = new RunSupervisor(store, factory, { concurrency: 1 });
  supervisors.push(supervisor);
  const statuses: RunRecord[] = [];
  supervisor.subscribe((event) => {
    if (event.kind === 'status') statuses.push(event.record);
  });
  return { supervisor, statuses };
}

/** What a run that met a full disk must look like: failed with the reason, its earlier metrics whole, no temporary file or lock left. */
async function expectFailedCleanly(store: RunStore, id: string): Promise<void> {
  const record = JSON.parse(await readFile(join(store.directory(id), RUN_FILE), 'utf8')) as RunRecord;
  expect(record.status).toBe('failed');
  expect(record.reason).toMatch(/no space left on device/);
  expect((await readdir(store.directory(id))).sort()).toEqual([CHECKPOINT_FILE, METRICS_FILE, RUN_FILE]);
  const lines: MetricsLine[] = await store.readMetrics(id);
  expect(lines.flatMap((l) => (l.type === 'evaluation' ? [l.iteration] : [])).slice(0, 2)).toEqual([1, 11]);
  const losses = lines.flatMap((l) => (l.type === 'losses' ? l.values : []));
  expect(losses.length).toBeGreaterThanOrEqual(11);
  expect(losses.every((v) => typeof v === 'number')).toBe(true);
  // The checkpoint is the last one that fitted, whole: the run can continue from it once there is room.
  expect((await store.get(id)).resume).toEqual({ possible: true });
}

describe('a full disk fails the run with the reason (issue 13, item 12), injected: runs everywhere', () => {
  it('the trainer meets ENOSPC writing its second checkpoint', async () => {
    const store = new RunStore(join(await mkdtemp(join(tmpdir(), 'bpw-disk-')), 'runs'));
    const { supervisor } = supervisorOn(store, testTrainerFactory({ diskBudget: 80_000 }));
    const run = await supervisor.enqueue(parseTrainConfig(config));
    await supervisor.whenIdle();
    await expectFailedCleanly(store, run.id);
    expect((await store.get(run.id)).reason).toMatch(/^could not write checkpoint\.bin: ENOSPC: no space left on device/);
  });

  it('the host cannot save the failed status: the record is served from memory, stopRun agrees with it, and it is saved once there is room', async () => {
    const disk = new FullDisk(Infinity);
    const store = new RunStore(join(await mkdtemp(join(tmpdir(), 'bpw-disk-')), 'runs'), '0.0.0-test', undefined, { writer: disk.writer });
    const trainers: FakeTrainerProcess[] = [];
    const { supervisor, statuses } = supervisorOn(store, () => {
      const trainer = new FakeTrainerProcess();
      trainers.push(trainer);
      return trainer;
    });
    const run = await supervisor.enqueue(parseTrainConfig(config));
    trainers[0]!.event({ type: 'ready', backend: 'ts', iteration: 0, total: 200 });
    await new Promise<void>((resolve) => supervisor.subscribe((e) => e.kind === 'status' && e.record.status === 'running' && resolve()));
    disk.budget = disk.used;
    trainers[0]!.event({ type: 'failed', reason: 'could not write checkpoint.bin: ENOSPC: no space left on device, write' });
    await supervisor.whenIdle();

    expect(statuses.at(-1)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/no space left on device/) });
    expect(await store.get(run.id)).toMatchObject({ status: 'failed' });
    expect(JSON.parse(await readFile(join(store.directory(run.id), RUN_FILE), 'utf8'))).toMatchObject({ status: 'running' });
    await expect(supervisor.stop(run.id)).rejects.toThrow(`run ${run.id} is not training: it is failed (could not write checkpoint.bin: ENOSPC: no space left on device, write)`);
    // Still this process's: no other process acts on the stale file meanwhile. No temporary file is left.
    expect((await readdir(store.directory(run.id))).sort()).toEqual([RUN_FILE, LOCK_FILE]);

    disk.budget = Infinity;
    await supervisor.retryUnsaved();
    expect(JSON.parse(await readFile(join(store.directory(run.id), RUN_FILE), 'utf8'))).toMatchObject({ status: 'failed', reason: expect.stringMatching(/no space left on device/) });
    expect(await readdir(store.directory(run.id))).toEqual([RUN_FILE]);
  });

  it('a create that cannot write run.json leaves no folder behind', async () => {
    const disk = new FullDisk(0);
    const store = new RunStore(join(await mkdtemp(join(tmpdir(), 'bpw-disk-')), 'runs'), '0.0.0-test', undefined, { writer: disk.writer });
    await expect(store.create(parseTrainConfig(config))).rejects.toThrow(/could not write run\.json: ENOSPC: no space left on device/);
    expect(await readdir(store.root)).toEqual([]);
  });
});

describe.skipIf(tmpfsUnavailable !== undefined)('a full disk, for real: runs on a small tmpfs', () => {
  it('a trainer process of the service fills the disk with its second checkpoint', async () => {
    const store = new RunStore(join(smallDisk('96k'), 'runs'));
    const { supervisor } = supervisorOn(store, testTrainerFactory());
    const run = await supervisor.enqueue(parseTrainConfig(config));
    await supervisor.whenIdle();
    await expectFailedCleanly(store, run.id);
  });

  it('npm run train fills the disk: exit 1, the run stored as failed with the reason', async () => {
    const runsRoot = join(smallDisk('96k'), 'runs');
    const configFile = join(await mkdtemp(join(tmpdir(), 'bpw-disk-config-')), 'config.json');
    await writeFile(configFile, JSON.stringify(config));
    const cli = spawn(process.execPath, ['--import', 'tsx', join(root, 'src-cli/train.ts'), '--config', configFile, '--runs-dir', runsRoot, '--json'], { cwd: root });
    let stderr = '';
    cli.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => cli.on('close', resolve));
    expect(code, stderr).toBe(1);
    expect(stderr).toMatch(/error: could not write checkpoint\.bin: ENOSPC: no space left on device/);
    const [id] = await readdir(runsRoot);
    await expectFailedCleanly(new RunStore(runsRoot), id!);
  });

  it('the host cannot save the status on the full disk; it saves it once a file is removed', async () => {
    const disk = smallDisk('64k');
    const store = new RunStore(join(disk, 'runs'));
    const trainers: FakeTrainerProcess[] = [];
    const { supervisor } = supervisorOn(store, () => {
      const trainer = new FakeTrainerProcess();
      trainers.push(trainer);
      return trainer;
    });
    const run = await supervisor.enqueue(parseTrainConfig(config));
    // Whatever room is left, taken by one file: the next run.json cannot be written.
    const filler = join(disk, 'filler');
    await writeFile(filler, new Uint8Array(64 * 1024)).catch(() => undefined);
    trainers[0]!.event({ type: 'failed', reason: 'could not write checkpoint.bin: ENOSPC: no space left on device, write' });
    await supervisor.whenIdle();
    expect(await store.get(run.id)).toMatchObject({ status: 'failed' });
    expect(JSON.parse(await readFile(join(store.directory(run.id), RUN_FILE), 'utf8'))).toMatchObject({ status: 'queued' });
    expect((await readdir(store.directory(run.id))).sort()).toEqual([RUN_FILE, LOCK_FILE]);
    rmSync(filler);
    await supervisor.retryUnsaved();
    expect(JSON.parse(await readFile(join(store.directory(run.id), RUN_FILE), 'utf8'))).toMatchObject({ status: 'failed', reason: expect.stringMatching(/no space left on device/) });
    expect(await readdir(store.directory(run.id))).toEqual([RUN_FILE]);
  });
});
