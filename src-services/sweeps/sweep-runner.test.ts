import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../src-shared/config';
import { sweepSchema } from '../../src-shared/sweep';
import { writeDenseIdxDataset } from '../data/idx-fixtures';
import { RunStore } from '../runs/run-store';
import { FakeTrainerProcess } from '../trainers/fake-trainer-process';
import { RunSupervisor } from '../trainers/run-supervisor';
import { testTrainerFactory } from '../trainers/test-trainers';
import { SweepRunner } from './sweep-runner';

describe('sweeps in parallel trainer processes', () => {
  const root = mkdtempSync(join(tmpdir(), 'bpw-sweep-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  // A generated 28x28 set: the trials train on 480 of its images and are ranked on the 120 held out.
  const dataset = join(root, 'dense');
  beforeAll(() => writeDenseIdxDataset(dataset, { train: 600, test: 200 }));
  const sweep = sweepSchema.parse({
    name: 'tiny',
    base: { dataset: { kind: 'idx', path: dataset }, network: { hiddenSizes: [8] }, training: { evaluationSamples: 200 } },
    parameters: [{ kind: 'grid', path: 'optimizer.lr', values: [0.001, 0.1, 0.5, 0.05] }],
    trainSubset: 600,
    epochs: 2,
    seed: 4,
    concurrency: 1,
  });

  it('runs every trial as a tagged run and ranks them by validation accuracy; an interrupted sweep resumes', async () => {
    const store = new RunStore(join(root, 'runs'), '0.0.0-test');
    const supervisor = new RunSupervisor(store, testTrainerFactory(), { concurrency: 2 });
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
    // One trial at a time, and the abort lands before the next one is created: only trial 0 exists.
    expect(seen).toEqual([0]);
    expect(maxInFlight).toBe(1);
    expect(first.ranked.map((r) => [r.sweep!.trial, r.status])).toEqual([[0, 'completed']]);

    const resumed = await new SweepRunner(new RunSupervisor(store, testTrainerFactory(), { concurrency: 2 })).resume(first.id);
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
    // Every trial pauses itself after step 2 (the test entry's step hook): the first to get there is killed
    // mid-run, the others are resumed.
    const supervisor = new RunSupervisor(store, testTrainerFactory({ pauseAt: 2 }), { concurrency: 2 });
    let killed: string | undefined;
    supervisor.subscribe((event) => {
      if (event.kind !== 'trainer' || event.event.type !== 'paused') return;
      if (killed) supervisor.resume(event.runId);
      else {
        killed = event.runId;
        supervisor.processOf(event.runId)!.kill('SIGKILL');
      }
    });
    const result = await new SweepRunner(supervisor).start({ ...sweep, concurrency: 2 });
    // The failed trial is listed apart, not ranked: it has no validation accuracy.
    expect(result.unranked.map((r) => [r.id, r.status])).toEqual([[killed, 'failed']]);
    expect(result.unranked[0]!.reason).toMatch(/killed \(SIGKILL\)/);
    expect(result.ranked).toHaveLength(3);
    expect(result.ranked.every((r) => r.status === 'completed')).toBe(true);
  });
});

describe('cancelling a sweep', () => {
  it('stops its own trials, each saved as stopped, and ends while another run of the supervisor trains on', async () => {
    // Fake trainers: ready at once, training until told to stop.
    const factory = (): FakeTrainerProcess => {
      const process = new FakeTrainerProcess();
      process.onSend = (command, p) => {
        if (command.type === 'start') p.event({ type: 'ready', backend: 'ts', iteration: 0, total: 1000 });
        if (command.type === 'stop') p.event({ type: 'finished', status: 'stopped', iterations: 5, trainAccuracy: Number.NaN, testAccuracy: Number.NaN, seconds: 1 });
      };
      return process;
    };
    const store = new RunStore(join(mkdtempSync(join(tmpdir(), 'bpw-sweep-cancel-')), 'runs'), '0.0.0-test');
    const supervisor = new RunSupervisor(store, factory, { concurrency: 3 });
    const other = await supervisor.enqueue(parseTrainConfig({ name: 'not a trial' }));
    const controller = new AbortController();
    let started = 0;
    const sweep = sweepSchema.parse({ name: 'cancelled', parameters: [{ kind: 'grid', path: 'optimizer.lr', values: [0.1, 0.2, 0.3, 0.4] }], concurrency: 2 });
    const result = await new SweepRunner(supervisor).start(sweep, {
      signal: controller.signal,
      onTrialStart: () => {
        if (++started === 2) controller.abort();
      },
    });
    // Both trials in training were stopped, the last two never created; nothing is ranked.
    expect(result.ranked).toEqual([]);
    expect(result.unranked.map((r) => [r.sweep!.trial, r.status])).toEqual([[0, 'stopped'], [1, 'stopped']]);
    expect(supervisor.activeRunIds).toEqual([other.id]);
    await supervisor.shutdown();
  });
});
