import type { RunRecord } from '../../src-shared/run-record';

type Labelled = Pick<RunRecord, 'id' | 'name' | 'createdAt'>;

/** A run's start as the labels show it: "30 Nov, 14:05" in the user's locale. */
function startTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/** The last six characters of a run id (the store's random part). */
const shortId = (id: string): string => id.slice(-6);

/**
 * Labels that tell the runs apart, in their order (for a chart's legend, whose entries are keyed by name):
 * a run's name when no other run here has it; else the name and its start time; else also its short id.
 */
export function runLabels(runs: readonly Labelled[], time: (iso: string) => string = startTime): string[] {
  const count = <T>(values: readonly T[]): Map<T, number> => {
    const counts = new Map<T, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    return counts;
  };
  const names = count(runs.map((r) => r.name));
  const timed = runs.map((r) => (names.get(r.name)! > 1 ? `${r.name} · ${time(r.createdAt)}` : r.name));
  const timedCounts = count(timed);
  return runs.map((r, i) => (timedCounts.get(timed[i]!)! > 1 ? `${timed[i]} · ${shortId(r.id)}` : timed[i]!));
}
