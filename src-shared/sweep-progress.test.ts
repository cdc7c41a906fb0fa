import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from './config';
import type { RunRecord, RunStatus } from './run-record';
import { rankTrials, sweepProgress, validationAccuracy } from './sweep-progress';

const config = parseTrainConfig({});
function trial(index: number, status: RunStatus, testAccuracy?: number | null): RunRecord {
  return {
    formatVersion: 1,
    id: `run-${index}`,
    name: `s #${index + 1}`,
    config,
    status,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    dtype: 'float32',
    versions: { app: '0', node: '20' },
    sweep: { id: 's', name: 's', trial: index, parameters: {} },
    ...(testAccuracy === undefined ? {} : { summary: { iterations: 10, trainAccuracy: 0.5, testAccuracy, bestTestAccuracy: testAccuracy, seconds: 1 } }),
  };
}

describe('sweepProgress', () => {
  it('a cancelled sweep: done counts only the trials that ended on their own, the rest by state', () => {
    const trials = [trial(0, 'completed', 0.9), trial(1, 'stopped', 0.4), trial(2, 'completed', 0.8), trial(3, 'stopped')];
    expect(sweepProgress(4, trials, false)).toMatchObject({ state: 'cancelled', done: 2, stopped: 2, text: '2 of 4 done · 2 stopped', resumable: true });
    // Cancelled before the last trials were created: they are not started, not done.
    expect(sweepProgress(6, trials, false).text).toBe('2 of 6 done · 2 stopped · 2 not started');
  });

  it('running, completed, interrupted and failed sweeps', () => {
    const running = sweepProgress(5, [trial(0, 'completed', 0.5), trial(1, 'running'), trial(2, 'queued')], true);
    expect(running).toMatchObject({ state: 'running', text: '1 of 5 done · 1 training · 1 queued · 2 not started', resumable: false });
    // Trials training in another process: running, though this host does not run the sweep.
    expect(sweepProgress(2, [trial(0, 'paused'), trial(1, 'completed', 0.5)], false)).toMatchObject({ state: 'running', resumable: false });
    // A diverged trial reached its end: it counts as done (a resume would not run it again).
    expect(sweepProgress(2, [trial(0, 'completed', 0.5), trial(1, 'diverged', null)], false)).toMatchObject({ state: 'completed', done: 2, text: '2 of 2 done', resumable: false });
    expect(sweepProgress(2, [trial(0, 'interrupted'), trial(1, 'completed', 0.5)], false)).toMatchObject({ state: 'interrupted', text: '1 of 2 done · 1 interrupted', resumable: true });
    expect(sweepProgress(2, [trial(0, 'failed'), trial(1, 'completed', 0.5)], false)).toMatchObject({ state: 'failed', text: '1 of 2 done · 1 failed', resumable: true });
  });
});

describe('rankTrials', () => {
  it('ranks only completed trials with a result, best first (ties by trial); the others are listed apart in trial order', () => {
    const trials = [trial(0, 'stopped', 0.99), trial(1, 'completed', 0.7), trial(2, 'failed'), trial(3, 'completed', 0.9), trial(4, 'diverged', null), trial(5, 'completed', 0.7), trial(6, 'completed', null)];
    const { ranked, unranked } = rankTrials(trials);
    expect(ranked.map((r) => r.sweep!.trial)).toEqual([3, 1, 5]);
    // The stopped trial's 0.99 is from a run cut short: not a result to rank or promote.
    expect(unranked.map((r) => [r.sweep!.trial, r.status])).toEqual([[0, 'stopped'], [2, 'failed'], [4, 'diverged'], [6, 'completed']]);
  });

  it('a non-finite accuracy is no result', () => {
    expect(validationAccuracy(trial(0, 'completed', Number.NaN))).toBeNull();
    expect(validationAccuracy(trial(0, 'completed', 0.25))).toBe(0.25);
  });
});
