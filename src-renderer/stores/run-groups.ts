import type { RunRow } from './run-table';

/** What the Runs table says about a sweep on its group row, over all its trials (not only those shown). */
export interface SweepSummary {
  readonly id: string;
  readonly name: string;
  readonly trials: number;
  readonly bestTestAccuracy: number | null;
}

/** One line of the Runs table: a run (a sweep's trial at depth 1, under its group), or a sweep's group row. */
export type TableItem =
  | { readonly kind: 'run'; readonly key: string; readonly row: RunRow; readonly depth: 0 | 1 }
  | {
      readonly kind: 'group';
      readonly key: string;
      readonly sweep: SweepSummary;
      /** Its trials the filter keeps (all of them with no filter). */
      readonly shown: number;
      readonly expanded: boolean;
    };

/** Every sweep that has trials among the rows, with its trial count and best test accuracy. */
export function sweepSummaries(rows: readonly RunRow[]): Map<string, SweepSummary> {
  const summaries = new Map<string, SweepSummary>();
  for (const { sweep, bestTestAccuracy } of rows) {
    if (!sweep) continue;
    const before = summaries.get(sweep.id);
    const best = before?.bestTestAccuracy ?? null;
    summaries.set(sweep.id, {
      id: sweep.id,
      name: before?.name ?? sweep.name,
      trials: (before?.trials ?? 0) + 1,
      bestTestAccuracy: bestTestAccuracy !== null && (best === null || bestTestAccuracy > best) ? bestTestAccuracy : best,
    });
  }
  return summaries;
}

export interface GroupOptions {
  /** The sweeps of all runs (see sweepSummaries). */
  readonly sweeps: ReadonlyMap<string, SweepSummary>;
  /** Whether a sweep's group is open. */
  readonly expanded: (sweepId: string) => boolean;
  /** false: sweep trials (and their groups) are left out. */
  readonly showTrials: boolean;
}

/**
 * The table's lines from the filtered, sorted rows: a sweep's group row stands where its first trial would
 * (so sorting by accuracy puts the sweep at its best trial), its shown trials under it in the same order
 * while it is open. Linear in the rows.
 */
export function groupRows(sorted: readonly RunRow[], options: GroupOptions): TableItem[] {
  const order: Array<RunRow | string> = [];
  const members = new Map<string, RunRow[]>();
  for (const row of sorted) {
    if (!row.sweep) order.push(row);
    else if (options.showTrials) {
      const list = members.get(row.sweep.id);
      if (list) list.push(row);
      else {
        members.set(row.sweep.id, [row]);
        order.push(row.sweep.id);
      }
    }
  }
  const items: TableItem[] = [];
  for (const entry of order) {
    if (typeof entry !== 'string') {
      items.push({ kind: 'run', key: entry.id, row: entry, depth: 0 });
      continue;
    }
    const trials = members.get(entry)!;
    const first = trials[0]!.sweep!;
    const sweep = options.sweeps.get(entry) ?? { id: entry, name: first.name, trials: trials.length, bestTestAccuracy: null };
    const expanded = options.expanded(entry);
    items.push({ kind: 'group', key: `sweep:${entry}`, sweep, shown: trials.length, expanded });
    if (expanded) for (const row of trials) items.push({ kind: 'run', key: row.id, row, depth: 1 });
  }
  return items;
}
