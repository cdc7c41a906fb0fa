import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepSchema } from '../../src-shared/sweep';
import { RunStore } from '../runs/run-store';
import { RunSupervisor } from '../trainers/run-supervisor';
import { SweepRunner } from './sweep-runner';
import { nodeTrainerFactory } from '../trainers/trainer-process';

describe('sweeps in parallel trainer processes', () => {
  const root = mkdtempSync(join(tmpdir(), 'bpw-sweep-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const sweep = sweepSchema.parse({
    name: 'tiny',
    base: { network: { hiddenSizes: [8] }, training: { evaluationSamples: 200 } },
    parameters: [{ kind: 'grid', path: 'optimizer.lr', values: [0.001, 0.1, 0.5, 0.05] }],
    trainSubset: 600,
    epochs: 2,
    seed: 4,
    concurrency: 1,
  });

  it('runs every trial as a tagged run and ranks them by validation accuracy; an interrupted sweep resumes', async () => {
    const store = new RunStore(join(root, 'runs'), '0.0.0-test');
    const supervisor = new RunSupervisor(store, nodeTrainerFactory(), { concurrency: 2 });
    const runner = new SweepRunner(supervisor);
    const controller = new AbortController();
    const seen: number[] = [];
    // The sweep's own limit: never more than one of its trials queued or training at a time.
    let inFlight = 0;
    let maxInFlight = 0;
    supervisor.subscribe((event) => {
      if (event.kind !== 'status') return;
      inFlight = supervisor.activeRunIds.length + supervisor.queuedRunIds.length;
      maxInFlight = Math.max(maxInFlight, inFlight);
    });
    // Stop after the first finished trial, as Ctrl+C would.
    const first = await runner.start(sweep, {
      signal: controller.signal,
      onTrial: (record) => {
        seen.push(record.sweep!.trial);
        controller.abort();
      },
    });
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(maxInFlight).toBe(1);
    // Stopped early: the trials not yet started were never created.
    expect(first.ranked.filter((r) => r.status === 'completed').length).toBeLessThan(4);

    const resumed = await new SweepRunner(new RunSupervisor(store, nodeTrainerFactory(), { concurrency: 2 })).resume(first.id);
    expect(resumed.ranked).toHaveLength(4);
    expect(resumed.ranked.every((r) => r.status === 'completed' && r.sweep?.id === first.id)).toBe(true);
    expect(new Set(resumed.ranked.map((r) => r.sweep!.trial))).toEqual(new Set([0, 1, 2, 3]));
    const accuracies = resumed.ranked.map((r) => r.summary!.testAccuracy!);
    expect([...accuracies].sort((a, b) => b - a)).toEqual(accuracies);
    // One run folder per trial: nothing was trained twice under another id.
    expect(readdirSync(join(root, 'runs')).filter((f) => !f.endsWith('.json'))).toHaveLength(4);
  });

  it('a trial whose trainer process dies is marked failed and the sweep goes on', async () => {
    const store = new RunStore(join(root, 'crash'), '0.0.0-test');
    const supervisor = new RunSupervisor(store, nodeTrainerFactory(), { concurrency: 2 });
    let killed: string | undefined;
    supervisor.subscribe((event) => {
      if (event.kind === 'status' && event.record.status === 'running' && !killed) {
        killed = event.runId;
        supervisor.processOf(event.runId)?.kill('SIGKILL');
      }
    });
    const result = await new SweepRunner(supervisor).start({ ...sweep, concurrency: 2, epochs: 20 });
    expect(result.ranked).toHaveLength(4);
    const crashed = result.ranked.find((r) => r.id === killed)!;
    expect(crashed.status).toBe('failed');
    expect(crashed.reason).toMatch(/killed|exited/);
    expect(result.ranked.filter((r) => r.status === 'completed')).toHaveLength(3);
    // A failed trial ranks last: it has no validation accuracy.
    expect(result.ranked.at(-1)!.id).toBe(killed);
  });
});
