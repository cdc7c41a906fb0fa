import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

function train(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(tsx, [join(root, 'src-cli/train.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 90_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run train (the CLI process)', () => {
  it('--json prints one summary object on stdout; evaluation lines go to stderr; the run is stored', () => {
    const runsDir = mkdtempSync(join(tmpdir(), 'bpw-cli-runs-'));
    const run = train(['--iterations', '40', '--evaluation-samples', '500', '--hidden', '20', '--backend', 'ts', '--json', '--runs-dir', runsDir]);
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ status: 'completed', iterations: 40, backend: 'ts', dtype: 'float32', seed: 0 });
    expect(summary.testAccuracy).toBeGreaterThan(0.3);
    expect(summary.iterationsPerSecond).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/iter +1 \| epoch +0.00 \| train acc/);
    const [id] = readdirSync(runsDir);
    expect(summary.runId).toBe(id);
    const record = JSON.parse(readFileSync(join(runsDir, id, 'run.json'), 'utf8'));
    expect(record).toMatchObject({ status: 'completed', backend: 'ts', summary: { iterations: 40 } });
    expect(readdirSync(join(runsDir, id)).sort()).toEqual(['checkpoint.bin', 'metrics.jsonl', 'run.json']);
  });

  it('bad input exits with 2 and a one-line error naming the field or file', () => {
    const bad = train(['--batch-size', '0', '--no-save']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^error: invalid config: training.batchSize:/);
    const missing = train(['--dataset', '/nonexistent-dataset-dir', '--iterations', '1', '--no-save']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nonexistent-dataset-dir/);
  });
});
