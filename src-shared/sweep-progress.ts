import type { RunRecord } from './run-record';

/**
 * Where a sweep stands, told truthfully from its trials' runs: how many are done, which were stopped, failed
 * or never started, and which trials are ranked. Shared by the sweep runner, the CLI and the Sweeps view.
 */

/** The validation accuracy a trial is ranked by (its final evaluation on the held-out set); null without a finite one. */
export function validationAccuracy(record: RunRecord): number | null {
  const value = record.summary?.testAccuracy;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A trial that ran to its end and has a result: only these are ranked (and may be promoted). */
const isRankable = (record: RunRecord): boolean => record.status === 'completed' && validationAccuracy(record) !== null;

/** A trial's own end: completed, or diverged (its hyperparameters made the loss blow up; running it again would too). */
export const isDone = (record: RunRecord): boolean => record.status === 'completed' || record.status === 'diverged';

const trialNumber = (record: RunRecord): number => record.sweep?.trial ?? 0;

export interface RankedTrials {
  /** Completed trials with a result, best validation accuracy first (ties: the earlier trial first). */
  readonly ranked: readonly RunRecord[];
  /** Every other trial (stopped, failed, diverged, interrupted, still training...), in trial order. */
  readonly unranked: readonly RunRecord[];
}

export function rankTrials(records: readonly RunRecord[]): RankedTrials {
  const ranked = records.filter(isRankable).sort((a, b) => validationAccuracy(b)! - validationAccuracy(a)! || trialNumber(a) - trialNumber(b));
  const unranked = records.filter((r) => !isRankable(r)).sort((a, b) => trialNumber(a) - trialNumber(b));
  return { ranked, unranked };
}

type SweepState = 'running' | 'completed' | 'cancelled' | 'interrupted' | 'failed';

export interface SweepProgress {
  readonly state: SweepState;
  readonly total: number;
  /** Trials that reached their own end (see isDone). */
  readonly done: number;
  readonly stopped: number;
  readonly failed: number;
  readonly interrupted: number;
  /** Running or paused. */
  readonly training: number;
  readonly queued: number;
  /** Trials the sweep has not started yet (no run of theirs is stored). */
  readonly notStarted: number;
  /** "2 of 4 done · 2 stopped". */
  readonly text: string;
  /** Whether Resume has something to do: not running, and trials left. */
  readonly resumable: boolean;
}

/**
 * The progress of a sweep of `total` trials from its trials' runs. `active`: this host runs the sweep now.
 * A sweep is running while this host runs it or any of its trials trains or waits (in another process too).
 */
export function sweepProgress(total: number, trials: readonly RunRecord[], active: boolean): SweepProgress {
  const count = (test: (r: RunRecord) => boolean): number => trials.filter(test).length;
  const done = count(isDone);
  const stopped = count((r) => r.status === 'stopped');
  const failed = count((r) => r.status === 'failed');
  const interrupted = count((r) => r.status === 'interrupted');
  const training = count((r) => r.status === 'running' || r.status === 'paused');
  const queued = count((r) => r.status === 'queued');
  const notStarted = Math.max(0, total - trials.length);
  const state: SweepState =
    active || training + queued > 0 ? 'running'
    : done >= total ? 'completed'
    : interrupted > 0 ? 'interrupted'
    : stopped > 0 || notStarted > 0 ? 'cancelled'
    : 'failed';
  const parts = [
    `${done} of ${total} done`,
    ...([
      [training, 'training'],
      [queued, 'queued'],
      [stopped, 'stopped'],
      [failed, 'failed'],
      [interrupted, 'interrupted'],
      [notStarted, 'not started'],
    ] as const).flatMap(([n, label]) => (n > 0 ? [`${n} ${label}`] : [])),
  ];
  return { state, total, done, stopped, failed, interrupted, training, queued, notStarted, text: parts.join(' · '), resumable: state !== 'running' && state !== 'completed' };
}
