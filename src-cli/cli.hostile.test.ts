import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDenseIdxDataset } from '../src-services/data/idx-fixtures';
import { parseTrainArgs } from './train-args';

/** Issue 13, items 7, 8 and the CLI's low items: the real `npm run train` process, bundled once from its sources. */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'bpw-cli-hostile-'));
let cli: string;
let sweepCli: string;

beforeAll(async () => {
  // Bundled next to the project (it finds the project root, the bundled MNIST and the addon from there), so
  // each process starts in a fraction of a second instead of compiling the sources through tsx.
  const outdir = mkdtempSync(join(root, 'node_modules', '.cache', 'bpw-cli-hostile-'));
  // The sweep starts its trainers from trainer-entry.js next to itself, as a built app does.
  const entryPoints = { train: join(root, 'src-cli', 'train.ts'), sweep: join(root, 'src-cli', 'sweep.ts'), 'trainer-entry': join(root, 'src-trainer', 'trainer-entry.ts') };
  await build({ entryPoints, outdir, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
  cli = join(outdir, 'train.js');
  sweepCli = join(outdir, 'sweep.js');
  await writeDenseIdxDataset(join(work, 'dense'), { train: 200, test: 40 });
  await writeDenseIdxDataset(join(work, 'empty'), { train: 0, test: 40 });
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  if (cli) rmSync(dirname(cli), { recursive: true, force: true });
});

interface Finished {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the CLI; `onStderr` sees its progress as it comes. */
function train(args: string[], onStderr?: (text: string, kill: (signal: NodeJS.Signals) => void) => void): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, BACKPROP_MEMORY_BUDGET: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      onStderr?.(stderr, (signal) => child.kill(signal));
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const runsIn = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);

describe.concurrent('hostile input to npm run train', () => {
  it('Ctrl+C (SIGINT) stops between two steps: run.json "stopped", a checkpoint, exit code 130', async ({ expect }) => {
    const runs = join(work, 'sigint-runs');
    let sent = false;
    const run = await train(['--dataset', join(work, 'dense'), '--hidden', '8', '--iterations', '100000000', '--evaluate-every', '50', '--evaluation-samples', '40', '--json', '--runs-dir', runs], (stderr, kill) => {
      // The first progress line: training is under way.
      if (!sent && /\niter +1 \|/.test(stderr)) {
        sent = true;
        kill('SIGINT');
      }
    });
    expect(run.status, run.stderr).toBe(130);
    expect(run.stderr).toContain('stopping after this step (Ctrl+C again to quit at once)');
    const summary = JSON.parse(run.stdout) as { status: string; iterations: number; runId: string };
    expect(summary.status).toBe('stopped');
    const [id] = runsIn(runs);
    expect(summary.runId).toBe(id);
    const record = JSON.parse(readFileSync(join(runs, id!, 'run.json'), 'utf8')) as { status: string; summary: { iterations: number } };
    expect(record.status).toBe('stopped');
    expect(record.summary.iterations).toBe(summary.iterations);
    expect(summary.iterations).toBeLessThan(100_000_000);
    expect(readdirSync(join(runs, id!)).sort()).toEqual(['checkpoint.bin', 'metrics.jsonl', 'run.json']);
  });

  it('refuses a network over the memory budget before reading data or creating a run', async ({ expect }) => {
    const runs = join(work, 'budget-runs');
    const run = await train(['--hidden', new Array(32).fill(8192).join(','), '--dtype', 'float64', '--optimizer', 'adam', '--runs-dir', runs]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^error: invalid config: network\.hiddenSizes: this network needs about \d+ GB of memory \(parameters 17 GB, gradients 17 GB, Adam state 33 GB, .*\); the budget is [\d.]+ [GT]B \(half of this machine's .*\): use fewer or narrower hidden layers/);
    expect(runsIn(runs)).toEqual([]);
  });

  it('--lr -1 is a negative number, refused in words', async ({ expect }) => {
    const run = await train(['--lr', '-1', '--no-save']);
    expect([run.status, run.stderr]).toEqual([2, 'error: --lr must be a positive number, got -1\n']);
  });

  it('--iterations with --epochs is refused, naming both', async ({ expect }) => {
    const run = await train(['--iterations', '5', '--epochs', '2', '--no-save']);
    expect([run.status, run.stderr]).toEqual([2, 'error: --iterations and --epochs cannot be used together: give the run\'s length one way (got --iterations 5 and --epochs 2)\n']);
  });

  it('an --export that cannot be written is refused before training', async ({ expect }) => {
    const runs = join(work, 'export-runs');
    const missing = await train(['--export', '/nonexistent-folder/model.onnx', '--runs-dir', runs]);
    expect([missing.status, missing.stderr]).toEqual([2, 'error: --export /nonexistent-folder/model.onnx: the folder /nonexistent-folder does not exist\n']);
    // Root writes through file modes: a kernel file system refuses it whatever the user.
    let locked = '/sys';
    if (process.getuid?.() !== 0) {
      locked = join(work, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o555);
    }
    const unwritable = await train(['--export', join(locked, 'model.onnx'), '--runs-dir', runs]);
    expect(unwritable.status).toBe(2);
    expect(unwritable.stderr).toMatch(new RegExp(`^error: --export ${locked}/model.onnx: the folder ${locked} is not writable \\(E[A-Z]+\\)\\n$`));
    expect(runsIn(runs)).toEqual([]);
  });

  it('a dataset with 0 training images is refused, naming the file', async ({ expect }) => {
    const run = await train(['--dataset', join(work, 'empty'), '--no-save']);
    expect([run.status, run.stderr]).toEqual([2, `error: ${join(work, 'empty')}/train-images-idx3-ubyte: holds 0 images: training needs at least one\n`]);
  });
});

describe('npm run sweep', () => {
  it('Ctrl+C to the terminal\'s process group stops the trials in training: "stopped" with checkpoints (resumable), not "failed"', async () => {
    const runs = join(work, 'sweep-runs');
    const file = join(work, 'sweep.json');
    const sweep = {
      name: 'ctrl-c',
      base: { dataset: { kind: 'idx', path: join(work, 'dense') }, network: { hiddenSizes: [8] }, training: { evaluationSamples: 40 } },
      parameters: [{ kind: 'grid', path: 'optimizer.lr', values: [0.1, 0.05, 0.01] }],
      trainSubset: 200,
      epochs: 100_000,
      concurrency: 2,
    };
    writeFileSync(file, JSON.stringify(sweep));
    const result = await new Promise<Finished>((resolve, reject) => {
      // A process group of its own, as a shell gives a foreground job: the signal goes to the whole group.
      const child = spawn(process.execPath, [sweepCli, '--config', file, '--runs-dir', runs], { cwd: root, detached: true, env: { ...process.env, BACKPROP_MEMORY_BUDGET: '' } });
      let stdout = '';
      let sent = false;
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        // Both trials of the first pair are training.
        if (!sent && (stdout.match(/^started #/gm) ?? []).length === 2) {
          sent = true;
          process.kill(-child.pid!, 'SIGINT');
        }
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    expect(result.status, result.stderr).toBe(130);
    expect(result.stdout).toContain('stopping the sweep: trials in progress are saved; resume with --resume');
    const trials = runsIn(runs).filter((name) => !name.endsWith('.json'));
    // The third trial was never enqueued: trials are planned as slots free up.
    expect(trials).toHaveLength(2);
    for (const id of trials) {
      const record = JSON.parse(readFileSync(join(runs, id, 'run.json'), 'utf8')) as { status: string };
      expect(record.status).toBe('stopped');
      expect(existsSync(join(runs, id, 'checkpoint.bin'))).toBe(true);
    }
  });
});

describe('config files named on the command line', () => {
  it('a FIFO or /dev/zero as --config is refused unopened, instead of hanging or filling memory', async () => {
    const fifo = join(work, 'config.fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(parseTrainArgs(['--config', fifo])).rejects.toThrow(`(file): cannot read ${fifo}: is a FIFO (named pipe), not a regular file`);
    await expect(parseTrainArgs(['--config', '/dev/zero'])).rejects.toThrow('(file): cannot read /dev/zero: is a character device, not a regular file');
  });
});
