import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ApiEnvelope } from '../../src-shared/api';
import { parseTrainConfig, type TrainConfigInput } from '../../src-shared/config';
import type { MetricsLine } from '../../src-shared/run-record';
import { WorkbenchService } from '../api/workbench-service';
import { writeDenseIdxDataset } from '../data/idx-fixtures';
import { LOCK_FILE, RUN_FILE } from '../runs/run-layout';
import { RunStore } from '../runs/run-store';
import { FakeTrainerProcess } from './fake-trainer-process';
import { RunSupervisor } from './run-supervisor';
import { testTrainerFactory } from './test-trainers';
import type { TrainerProcessFactory } from './trainer-process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let dataset: string;
beforeAll(async () => {
  dataset = join(await mkdtemp(join(tmpdir(), 'bpw-lock-data-')), 'dense');
  await writeDenseIdxDataset(dataset, { train: 500, test: 100, rows: 28, cols: 28 });
});

const children: ChildProcessWithoutNullStreams[] = [];
const services: WorkbenchService[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const service of services.splice(0)) await service.shutdown();
});

/** A child process with its streams collected and a wait for a line of its output. */
function started(args: string[]): { child: ChildProcessWithoutNullStreams; output: () => string; until: (pattern: RegExp) => Promise<RegExpMatchArray>; closed: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root });
  children.push(child);
  let output = '';
  const waiters = new Set<() => void>();
  const collect = (chunk: string): void => {
    output += chunk;
    for (const wake of [...waiters]) wake();
  };
  child.stdout.setEncoding('utf8').on('data', collect);
  child.stderr.setEncoding('utf8').on('data', collect);
  const closed = new Promise<void>((resolve) => child.on('close', () => {
    for (const wake of [...waiters]) wake();
    resolve();
  }));
  const until = (pattern: RegExp): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const match = output.match(pattern);
        if (match) {
          waiters.delete(check);
          resolve(match);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          waiters.delete(check);
          reject(new Error(`the process ended before printing ${pattern}:\n${output}`));
        }
      };
      waiters.add(check);
      check();
    });
  return { child, output: () => output, until, closed };
}

function serviceOn(runsRoot: string, factory: TrainerProcessFactory): { service: WorkbenchService; logs: string[] } {
  const supervisor = new RunSupervisor(new RunStore(runsRoot, '0.0.0-test', undefined, { holder: 'the web host' }), factory, { concurrency: 1 });
  const service = new WorkbenchService({ supervisor, trainerFactory: factory, info: { mode: 'web', platform: 'test', cores: 1, runsDirectory: runsRoot, versions: { app: '0', node: 'test' } } });
  services.push(service);
  const logs: string[] = [];
  service.subscribe((event) => {
    if (event.type === 'log') logs.push(event.message);
  });
  return { service, logs };
}

const errorOf = (reply: ApiEnvelope): string => (reply.ok ? '(succeeded)' : reply.error);
const lossStarts = (lines: MetricsLine[]): number[] => lines.flatMap((l) => (l.type === 'losses' ? [l.start] : []));

describe('one writer per run (issue 13, item 6)', () => {
  it('the CLI trains a run: the web host leaves it alone at startup and refuses to continue, rename, delete or stop it, naming the CLI; once the CLI is killed, its stale lock is taken over', async () => {
    const runsRoot = join(await mkdtemp(join(tmpdir(), 'bpw-lock-')), 'runs');
    const cli = started(['src-cli/train.ts', '--dataset', dataset, '--hidden', '8', '--iterations', '1000000', '--batch-size', '50', '--evaluation-samples', '100', '--backend', 'ts', '--json', '--runs-dir', runsRoot]);
    await cli.until(/iter +1 \|/);
    const [id] = await readdir(runsRoot);
    const pid = cli.child.pid!;
    expect(JSON.parse(await readFile(join(runsRoot, id!, LOCK_FILE), 'utf8'))).toMatchObject({ pid, purpose: 'train', holder: 'npm run train' });

    const { service, logs } = serviceOn(runsRoot, () => new FakeTrainerProcess());
    await service.start();
    const owner = new RegExp(`run ${id} is being trained by process ${pid} \\(npm run train, since `);
    const record = await service.handle('listRuns', {});
    expect(record.ok && record.value).toMatchObject([{ kind: 'ok', record: { id, status: 'running' } }]);
    // Even with a record that says interrupted (what an older host wrote over the live run), the lock decides.
    const file = join(runsRoot, id!, RUN_FILE);
    await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), status: 'interrupted' }));
    expect(errorOf(await service.handle('continueRun', { id }))).toMatch(owner);
    expect(errorOf(await service.handle('renameRun', { id, name: 'mine now' }))).toMatch(owner);
    expect(errorOf(await service.handle('deleteRun', { id }))).toMatch(owner);
    expect(errorOf(await service.handle('stopRun', { id }))).toMatch(new RegExp(`${owner.source}.*: stop it there`));

    cli.child.kill('SIGKILL');
    await cli.closed;
    // One trainer wrote the metrics: the loss lines follow each other without overlap.
    const starts = lossStarts(await new RunStore(runsRoot).readMetrics(id!));
    expect(starts.length).toBeGreaterThan(0);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(new Set(starts).size).toBe(starts.length);

    const continued = await service.handle('continueRun', { id });
    expect(continued.ok, errorOf(continued)).toBe(true);
    expect(logs).toContainEqual(expect.stringMatching(new RegExp(`took over the lock of process ${pid} \\(npm run train.*no longer running`)));
    expect(JSON.parse(await readFile(join(runsRoot, id!, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, purpose: 'train', replaced: { pid, holder: 'npm run train' } });
    await service.shutdown();
    expect(await readdir(join(runsRoot, id!))).not.toContain(LOCK_FILE);
  });

  it('a host killed with kill -9 mid-run: its trainer saves and exits, the next host takes the stale lock over and the run resumes on the very same loss curve', async () => {
    const runsRoot = join(await mkdtemp(join(tmpdir(), 'bpw-lock-host-')), 'runs');
    const small: TrainConfigInput = { dataset: { kind: 'idx', path: dataset }, network: { hiddenSizes: [8] }, training: { iterations: 60, batchSize: 50, evaluationSamples: 100 }, backend: 'ts', seed: 3 };
    const host = started(['src-services/trainers/test-support/supervisor-host.ts', runsRoot, JSON.stringify(small), inject('trainerEntries').pausing, '30']);
    const [, id] = await host.until(/paused (\S+)/);
    host.child.kill('SIGKILL');
    // The trainer shares the host's stdout: it closes once the orphaned trainer has saved and exited too.
    await host.closed;
    expect(JSON.parse(await readFile(join(runsRoot, id!, LOCK_FILE), 'utf8'))).toMatchObject({ pid: host.child.pid, holder: 'test host', helper: { pid: expect.any(Number) } });

    const store = new RunStore(runsRoot, '0.0.0-test');
    const supervisor = new RunSupervisor(store, testTrainerFactory(), { concurrency: 1 });
    await supervisor.recoverInterrupted();
    expect((await store.get(id!)).status).toBe('interrupted');
    await supervisor.resumeRun(id!);
    await supervisor.whenIdle();
    expect((await store.get(id!)).status).toBe('completed');
    const losses = (lines: MetricsLine[]): Array<number | null> => lines.flatMap((l) => (l.type === 'losses' ? l.values : []));
    const resumed = losses(await store.readMetrics(id!));

    const straight = await supervisor.enqueue(parseTrainConfig(small));
    await supervisor.whenIdle();
    expect(resumed).toHaveLength(60);
    expect(resumed).toEqual(losses(await store.readMetrics(straight.id)));
    expect(await readdir(join(runsRoot, id!))).not.toContain(LOCK_FILE);
  });
});
