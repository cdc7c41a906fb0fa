// `npx tsx bench/list-runs.ts [runs]`: the time the run store takes to list a store of many runs (default
// 5000, a fifth of them sweep trials), as listRuns serves it: the first listing (nothing known yet) and the
// following ones, and the size of the answer. Prints one JSON object.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunStore } from '../src-services/runs/run-store';
import { writeRunFixtures } from '../src-services/runs/test-support/run-fixtures';

const runs = Number(process.argv[2] ?? 5000);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`the number of runs must be a positive integer, got "${process.argv[2]}"`);

const root = await mkdtemp(join(tmpdir(), 'bpw-list-runs-'));
try {
  await writeRunFixtures(root, { runs, sweeps: Math.floor(runs / 500), trialsPerSweep: 100 });
  const store = new RunStore(root);
  const seconds = async (): Promise<{ seconds: number; listed: number; bytes: number }> => {
    const started = performance.now();
    const listings = await store.list();
    const elapsed = (performance.now() - started) / 1000;
    return { seconds: Number(elapsed.toFixed(3)), listed: listings.length, bytes: JSON.stringify(listings).length };
  };
  const first = await seconds();
  const again: number[] = [];
  for (let i = 0; i < 5; i++) again.push((await seconds()).seconds);
  again.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({ runs, first, againMedianSeconds: again[2], againBestSeconds: again[0] }, null, 2)}\n`);
} finally {
  await rm(root, { recursive: true, force: true });
}
