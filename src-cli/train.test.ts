import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

/** `npm run train <args>` as a process of its own: its exit code and both streams. */
function train(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [join(root, 'src-cli/train.ts'), ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

// The commands are independent processes: they run side by side.
describe.concurrent('npm run train (the CLI process)', () => {
  it('--json prints one summary object on stdout; evaluation lines go to stderr; the run is stored', async ({ expect }) => {
    const runsDir = mkdtempSync(join(tmpdir(), 'bpw-cli-runs-'));
    const run = await train(['--iterations', '40', '--evaluation-samples', '500', '--hidden', '20', '--backend', 'ts', '--json', '--runs-dir', runsDir]);
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ status: 'completed', stalled: null, iterations: 40, backend: 'ts', dtype: 'float32', seed: 0 });
    expect(summary.testAccuracy).toBeGreaterThan(0.3);
    expect(summary.iterationsPerSecond).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/iter +1 \| epoch +0.00 \| train acc/);
    const [id] = readdirSync(runsDir);
    expect(summary.runId).toBe(id);
    const record = JSON.parse(readFileSync(join(runsDir, id, 'run.json'), 'utf8'));
    expect(record).toMatchObject({ status: 'completed', backend: 'ts', summary: { iterations: 40 } });
    expect(readdirSync(join(runsDir, id)).sort()).toEqual(['checkpoint.bin', 'metrics.jsonl', 'run.json']);
  });

  it('a run that ends stuck at chance is flagged stalled, with what to try, in the summary and the stored record', async ({ expect }) => {
    const runsDir = mkdtempSync(join(tmpdir(), 'bpw-cli-stalled-'));
    // A learning rate far too small to move the 0.01-std init: the outputs stay uniform (loss ln 10).
    const run = await train(['--iterations', '30', '--evaluate-every', '10', '--evaluation-samples', '500', '--hidden', '20', '--lr', '1e-9', '--backend', 'ts', '--json', '--runs-dir', runsDir]);
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ status: 'completed', stalled: expect.stringMatching(/^stuck at chance: .* ≈ ln 10 .*try a smaller learning rate, He init for ReLU, or check the data$/) });
    expect(run.stderr).toContain(`stalled: ${summary.stalled}\n`);
    const record = JSON.parse(readFileSync(join(runsDir, summary.runId, 'run.json'), 'utf8'));
    expect(record).toMatchObject({ status: 'completed', stalled: summary.stalled });
  });

  it('bad input exits with 2 and a one-line error naming the flag', async ({ expect }) => {
    const bad = await train(['--batch-size', '0', '--no-save']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('error: --batch-size must be a positive integer, got 0\n');
  });

  it('a missing dataset exits with 2 and a one-line error naming the folder', async ({ expect }) => {
    const missing = await train(['--dataset', '/nonexistent-dataset-dir', '--iterations', '1', '--no-save']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('error: /nonexistent-dataset-dir: dataset directory not found\n');
  });
});
