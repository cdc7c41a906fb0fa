import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseTrainConfig } from '../../../src-shared/config';
import { RUN_FORMAT_VERSION, type RunRecord } from '../../../src-shared/run-record';
import { METRICS_FILE, RUN_FILE } from '../run-layout';

/**
 * Many stored runs at once, for measuring and testing the Runs listing at scale (bench/list-runs.ts, the e2e
 * runs-at-scale spec): run folders as the store writes them, with a run.json each and a short metrics file,
 * a share of them trials of sweeps, some with the same name. Deterministic: the same arguments give the
 * same folders.
 */
export interface RunFixtureOptions {
  /** Runs in all, sweep trials included. */
  readonly runs: number;
  /** Trials per sweep; the first `sweeps * trialsPerSweep` runs are trials. */
  readonly sweeps?: number;
  readonly trialsPerSweep?: number;
  /** The creation time of the newest run; each older one is a minute earlier. */
  readonly newest?: Date;
}

/** A small deterministic generator (mulberry32): fixtures that differ run to run but not build to build. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPTIMIZERS = ['sgd', 'momentum', 'adam'] as const;
const STATUSES: ReadonlyArray<RunRecord['status']> = ['completed', 'completed', 'completed', 'completed', 'stopped', 'diverged'];

/** The run id the store would give a run created at `at` (with 6 hex digits of `n`). */
function fixtureRunId(at: Date, n: number): string {
  return `${at.toISOString().replace(/[:.]/g, '-')}-${(n & 0xffffff).toString(16).padStart(6, '0')}`;
}

/** A run outside the sweeps: every tenth one shares its name with the next (a rerun of the same idea). */
function plainName(n: number): string {
  const m = n % 10 === 1 ? n - 1 : n;
  return `784-${[50, 100, 200][m % 3]!}-10 relu ${OPTIMIZERS[m % 3]!} #${m}`;
}

/** The records `writeRunFixtures` stores, newest first. */
function runFixtureRecords(options: RunFixtureOptions): RunRecord[] {
  const sweeps = options.sweeps ?? 0;
  const perSweep = options.trialsPerSweep ?? 0;
  const newest = options.newest ?? new Date('2026-11-30T12:00:00.000Z');
  const next = random(15);
  const records: RunRecord[] = [];
  for (let n = 0; n < options.runs; n++) {
    const at = new Date(newest.getTime() - n * 60_000);
    const sweepIndex = n < sweeps * perSweep ? Math.floor(n / perSweep) : undefined;
    const type = OPTIMIZERS[n % OPTIMIZERS.length]!;
    const lr = Number((10 ** (-4 + 3 * next())).toPrecision(17));
    const hidden = [50, 100, 200][n % 3]!;
    const weightDecay = sweepIndex === undefined ? 0 : 1e-8 * 10 ** (4 * next());
    const config = parseTrainConfig({ network: { hiddenSizes: [hidden], weightDecay }, optimizer: { type, lr }, seed: n % 7 });
    const status = STATUSES[n % STATUSES.length]!;
    const best = status === 'diverged' ? null : 0.85 + 0.14 * next();
    const trial = sweepIndex === undefined ? undefined : n % perSweep;
    const sweepId = sweepIndex === undefined ? undefined : fixtureRunId(new Date(newest.getTime() - sweepIndex * perSweep * 60_000), sweepIndex);
    const record: RunRecord = {
      formatVersion: RUN_FORMAT_VERSION,
      id: fixtureRunId(at, n),
      name: trial !== undefined ? `search ${sweepIndex! + 1} #${trial + 1}` : plainName(n),
      config,
      status,
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
      finishedAt: new Date(at.getTime() + 30_000).toISOString(),
      dtype: 'float32',
      versions: { app: '0.1.0', node: '20.20.2' },
      ...(status === 'diverged' ? { reason: 'the loss became NaN at iteration 120: lower the learning rate' } : {}),
      summary: { iterations: 600, trainAccuracy: best, testAccuracy: best, bestTestAccuracy: best, seconds: 1 + 120 * next() },
      ...(sweepId !== undefined && trial !== undefined ? { sweep: { id: sweepId, name: `search ${sweepIndex! + 1}`, trial, parameters: { 'optimizer.lr': lr, 'network.weightDecay': weightDecay } } } : {}),
    };
    records.push(record);
  }
  return records;
}

/** A short loss curve and two evaluations: enough for the overlay charts. */
function metricsOf(record: RunRecord): string {
  const best = record.summary?.bestTestAccuracy ?? null;
  const losses = Array.from({ length: 60 }, (_, i) => 2.3 / (1 + i / 10));
  const evaluation = (iteration: number, accuracy: number | null, final: boolean): string =>
    JSON.stringify({ type: 'evaluation', iteration, epoch: iteration / 600, trainAccuracy: accuracy, testAccuracy: accuracy, trainLoss: 0.3, testLoss: 0.3, final });
  return [JSON.stringify({ type: 'losses', start: 0, values: losses }), evaluation(30, best === null ? null : best - 0.05, false), evaluation(60, best, false), ''].join('\n');
}

/** Writes the fixture runs into `root` (which may already hold others); returns their records, newest first. */
export async function writeRunFixtures(root: string, options: RunFixtureOptions): Promise<RunRecord[]> {
  const records = runFixtureRecords(options);
  await mkdir(root, { recursive: true });
  let next = 0;
  const writer = async (): Promise<void> => {
    for (let i = next++; i < records.length; i = next++) {
      const record = records[i]!;
      const directory = join(root, record.id);
      await mkdir(directory, { recursive: true });
      await writeFile(join(directory, RUN_FILE), `${JSON.stringify(record, null, 2)}\n`);
      await writeFile(join(directory, METRICS_FILE), metricsOf(record));
    }
  };
  await Promise.all(Array.from({ length: 16 }, writer));
  return records;
}
