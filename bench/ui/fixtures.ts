import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseTrainConfig } from '../../src-shared/config';
import { METRICS_FILE, RUN_FILE } from '../../src-services/runs/run-layout';
import { RunStore } from '../../src-services/runs/run-store';

/**
 * Stored runs for the bench, in the run store's own format: one run made by RunStore (so run.json is what
 * the app writes), then copied under new ids and names; metrics.jsonl written as MetricsWriter writes it (a
 * losses line per ~second of training, an evaluation line per epoch).
 */

/** Losses per line: about one second of a native run. */
const LOSSES_PER_LINE = 4000;

/** A completed run's record as the app stores it, as JSON to copy. */
async function template(root: string, iterations: number): Promise<Record<string, unknown>> {
  const store = new RunStore(root, 'bench');
  const config = parseTrainConfig({ training: { iterations, batchSize: 100 } });
  const record = await store.create(config, { name: 'template' });
  const now = new Date().toISOString();
  await store.update(record.id, { status: 'completed', finishedAt: now, backend: 'native', summary: { iterations, trainAccuracy: 0.97, testAccuracy: 0.965, bestTestAccuracy: 0.966, seconds: iterations / 3700 } });
  const json = JSON.parse(await readFile(join(store.directory(record.id), RUN_FILE), 'utf8')) as Record<string, unknown>;
  return json;
}

/** A falling, noisy loss with a rare spike, as a training curve looks. */
function lossAt(iteration: number, seed: number): number {
  const noise = Math.sin(iteration * 12.9898 + seed * 78.233) * 43758.5453;
  const jitter = noise - Math.floor(noise);
  const spike = (iteration * 7919 + seed) % 50_021 === 0 ? 3 : 0;
  return Number((2.3 * Math.exp(-iteration / 20_000) + 0.08 + 0.25 * jitter + spike).toPrecision(6));
}

async function writeMetrics(directory: string, iterations: number, seed: number): Promise<void> {
  const lines: string[] = [];
  const t0 = Date.now() / 1000 - iterations / 3700;
  const perEpoch = 600;
  for (let start = 0; start < iterations; start += LOSSES_PER_LINE) {
    const values = Array.from({ length: Math.min(LOSSES_PER_LINE, iterations - start) }, (_, i) => lossAt(start + i, seed));
    lines.push(JSON.stringify({ type: 'losses', start, values, t: Math.round((t0 + (start + values.length) / 3700) * 1000) / 1000 }));
    for (let e = Math.ceil(start / perEpoch) * perEpoch; e < start + values.length; e += perEpoch) {
      const accuracy = Number((0.97 - 0.8 * Math.exp(-e / 10_000)).toFixed(4));
      lines.push(JSON.stringify({ type: 'evaluation', iteration: e, epoch: e / perEpoch, trainAccuracy: accuracy, testAccuracy: accuracy - 0.005, trainLoss: lossAt(e, seed), testLoss: lossAt(e, seed + 1), final: false }));
    }
  }
  await writeFile(join(directory, METRICS_FILE), `${lines.join('\n')}\n`);
}

/**
 * `count` completed runs of `iterations` each under `root`, named `${prefix} i`; with `metrics`, each has a
 * full metrics.jsonl. Returns their ids.
 */
export async function storedRuns(root: string, count: number, options: { iterations: number; metrics: boolean; prefix: string }): Promise<string[]> {
  const base = await template(join(root, '.template'), options.iterations);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${options.prefix.replace(/[^A-Za-z0-9]+/g, '-')}-${String(i).padStart(5, '0')}`;
    const createdAt = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
    const directory = join(root, id);
    await mkdir(directory, { recursive: true });
    // Learning rates as a random search draws them (log-uniform, full float precision), as after a sweep.
    const config = base.config as { optimizer: Record<string, unknown> };
    const lr = 10 ** (-4 + 3 * ((Math.sin(i * 91.7) + 1) / 2));
    const record = { ...base, id, name: `${options.prefix} ${i}`, createdAt, updatedAt: createdAt, config: { ...config, optimizer: { ...config.optimizer, lr } } };
    await writeFile(join(directory, RUN_FILE), `${JSON.stringify(record, null, 2)}\n`);
    if (options.metrics) await writeMetrics(directory, options.iterations, i);
    ids.push(id);
  }
  return ids;
}
