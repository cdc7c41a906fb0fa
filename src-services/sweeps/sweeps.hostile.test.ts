import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepSummary } from '../../src-shared/api';
import type { RunListing } from '../../src-shared/run-record';
import { writeDenseIdxDataset } from '../data/idx-fixtures';
import { startRealHost, type RealHost } from '../api/real-host-fixtures';

/** Issue 13, item 4: sweep plans are counted and sampled by arithmetic, never listed, and capped. */
describe('hostile sweeps against a real host', () => {
  let host: RealHost;
  let dataset: string;
  // A 4x4 set: each trial's trainer starts and trains in a fraction of a second.
  const base = () => ({ dataset: { kind: 'idx', path: dataset }, network: { inputSize: 16, hiddenSizes: [4] }, training: { iterations: 5, evaluationSamples: 40 } });
  const thousand = (scale: number) => Array.from({ length: 1000 }, (_, i) => (i + 1) * scale);
  const hugeGrid = () => [
    { kind: 'grid', path: 'optimizer.lr', values: thousand(1e-4) },
    { kind: 'grid', path: 'network.weightDecay', values: thousand(1e-6) },
    { kind: 'grid', path: 'seed', values: thousand(1) },
  ];

  beforeAll(async () => {
    // Two trainers at once: the budget test below needs concurrency 2 to mean something.
    host = await startRealHost({ concurrency: 2, memoryBudget: { bytes: 1.5e9, source: 'the test host' } });
    dataset = join(host.root, 'tiny');
    await writeDenseIdxDataset(dataset, { train: 200, test: 40, rows: 4, cols: 4, classes: 4 });
  });
  afterAll(() => host.close());

  const sweepRuns = async (id: string): Promise<RunListing[]> => (await host.client.value<RunListing[]>('listRuns')).filter((l) => l.kind === 'ok' && l.record.sweep?.id === id);

  it('startSweep with 3 grid parameters of 1000 values and trials 1 answers at once, with 1 trial', async () => {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    const { id } = await host.client.value<{ id: string }>('startSweep', { sweep: { name: 'huge grid', base: base(), parameters: hugeGrid(), trials: 1 } });
    const answeredMs = performance.now() - started;
    await host.client.until((e) => e.type === 'sweep' && e.id === id && !e.active);
    delay.disable();
    console.log(`[hostile] startSweep 3x1000 grid, trials 1: answered in ${answeredMs.toFixed(0)} ms; host event loop delay max ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms (before: 66 s blocked, then out of heap)`);
    const runs = await sweepRuns(id);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.kind === 'ok' && runs[0]!.record.sweep?.parameters).toEqual({ 'optimizer.lr': 1e-4, 'network.weightDecay': 1e-6, seed: 1 });
    const listed = (await host.client.value<SweepSummary[]>('listSweeps')).find((s) => s.id === id);
    expect(listed?.trials).toBe(1);
  });

  it('listSweeps counts a stored 1000^3 grid without listing it; starting such a grid in full is refused in words', async () => {
    const sweep = { name: 'whole grid', base: base(), parameters: hugeGrid(), validationFraction: 0.2, seed: 0 };
    // As a previous version could have stored it: the definition file alone.
    writeFileSync(join(host.store.root, 'sweep-2020-01-01T00-00-00-000Z-abcdef.json'), JSON.stringify(sweep));
    const started = performance.now();
    const listed = (await host.client.value<SweepSummary[]>('listSweeps')).find((s) => s.id === '2020-01-01T00-00-00-000Z-abcdef');
    console.log(`[hostile] listSweeps with a stored 1e9-combination grid: ${(performance.now() - started).toFixed(0)} ms`);
    expect(listed?.trials).toBe(1e9);
    const before = host.processes.started;
    const refusal = 'sweep: invalid config: trials: the grid has 1,000,000,000 combinations; a sweep runs at most 10,000 trials: give trials to run the first ones, or list fewer values';
    expect(await host.client.error('startSweep', { sweep })).toBe(refusal);
    expect(await host.client.error('resumeSweep', { id: '2020-01-01T00-00-00-000Z-abcdef' })).toBe(refusal);
    expect(host.processes.started).toBe(before);
  });

  it('a sweep without concurrency enqueues lazily: never more trials queued or training than the host runs at once', async () => {
    // Trials queued or training, as their statuses say (a finished trial's process may still be exiting).
    const live = new Set<string>();
    let inFlight = 0;
    const unsubscribe = host.supervisor.subscribe((event) => {
      if (event.kind !== 'status') return;
      if (['queued', 'running', 'paused'].includes(event.record.status)) live.add(event.runId);
      else live.delete(event.runId);
      inFlight = Math.max(inFlight, live.size);
    });
    const { id } = await host.client.value<{ id: string }>('startSweep', { sweep: { name: 'lazy', base: base(), parameters: [{ kind: 'grid', path: 'optimizer.lr', values: [0.1, 0.2, 0.3, 0.4, 0.5] }] } });
    await host.client.until((e) => e.type === 'sweep' && e.id === id && !e.active);
    unsubscribe();
    expect(inFlight).toBe(2);
    expect((await sweepRuns(id)).map((l) => l.kind === 'ok' && l.record.status)).toEqual(new Array(5).fill('completed'));
  });

  it('refuses a trial over the memory budget, and trials x concurrency over it, before any run exists', async () => {
    const runsBefore = (await host.client.value<RunListing[]>('listRuns')).length;
    const huge = await host.client.error('startSweep', {
      sweep: { name: 'huge trial', base: base(), parameters: [{ kind: 'grid', path: 'network.hiddenSizes', values: [[4], new Array(32).fill(8192)] }] },
    });
    expect(huge).toMatch(/^huge trial trial 2: invalid config: network\.hiddenSizes: trial 2 needs about \d+ GB of memory \(.*parameters [\d.]+ GB, .*\); the budget is 1\.5 GB \(the test host\): use fewer or narrower hidden layers/);
    // One trial of a 8192-wide layer fits 1.5 GB (about 1.1 GB); two at once do not.
    const wide = { name: 'two wide', base: { ...base(), network: { inputSize: 16, hiddenSizes: [8192, 8192] } }, parameters: [{ kind: 'grid', path: 'optimizer.lr', values: [0.1, 0.2] }], concurrency: 2 };
    expect(await host.client.error('startSweep', { sweep: wide })).toMatch(
      /^sweep: invalid config: concurrency: 2 trials training at once \(concurrency\) need about 2\.\d GB of memory \(1\.\d GB for the largest trial\); the budget is 1\.5 GB \(the test host\): lower concurrency or make the trials smaller$/,
    );
    expect((await host.client.value<RunListing[]>('listRuns')).length).toBe(runsBefore);
  });
});
