import type { RunListing, RunRecord } from '../../src-shared/run-record';
import type { RunMetrics } from '../../src-shared/api';
import { networkLabel } from '../../src-shared/network-config';

/** One row of the Runs table: a stored run, or a directory that could not be read, with why. */
export interface RunRow {
  readonly id: string;
  readonly record: RunRecord | undefined;
  readonly name: string;
  readonly status: string;
  readonly dataset: string;
  readonly layers: string;
  readonly optimizer: string;
  readonly lr: number | null;
  readonly bestTestAccuracy: number | null;
  readonly seconds: number | null;
  readonly createdAt: string;
  /** Why a run failed, diverged, was interrupted, or why its folder is unreadable. */
  readonly problem: string | undefined;
  /** Why a run that ended is flagged stuck at chance, with what to try (see stalledAtChance). */
  readonly stalled: string | undefined;
  /** The sweep a trial belongs to (its id and name) and its trial number from 0; undefined for other runs. */
  readonly sweep: { readonly id: string; readonly name: string; readonly trial: number } | undefined;
  /** What the filter searches, lower case: the visible columns, the id and the sweep's name. */
  readonly text: string;
}

export type SortKey = 'name' | 'status' | 'dataset' | 'layers' | 'optimizer' | 'lr' | 'bestTestAccuracy' | 'seconds' | 'createdAt';

type RowFields = Omit<RunRow, 'text'>;

const withText = (row: RowFields): RunRow => ({
  ...row,
  text: `${row.name} ${row.status}${row.stalled ? ' stalled' : ''} ${row.dataset} ${row.layers} ${row.optimizer} ${row.id} ${row.sweep?.name ?? ''}`.toLowerCase(),
});

export function rowOf(listing: RunListing): RunRow {
  if (listing.kind !== 'ok') {
    return withText({ id: listing.id, record: undefined, name: listing.id, status: listing.kind, dataset: '', layers: '', optimizer: '', lr: null, bestTestAccuracy: null, seconds: null, createdAt: '', problem: listing.problem, stalled: undefined, sweep: undefined });
  }
  const { record } = listing;
  const { network, dataset, optimizer } = record.config;
  return withText({
    id: record.id,
    record,
    name: record.name,
    status: record.status,
    dataset: dataset.kind === 'mnist' ? 'MNIST' : (dataset.path.split(/[\\/]/).filter(Boolean).at(-1) ?? dataset.path),
    layers: networkLabel(network),
    optimizer: optimizer.type.toUpperCase(),
    lr: optimizer.lr,
    bestTestAccuracy: record.summary?.bestTestAccuracy ?? null,
    seconds: record.summary?.seconds ?? null,
    createdAt: record.createdAt,
    problem: record.reason,
    stalled: record.stalled,
    sweep: record.sweep ? { id: record.sweep.id, name: record.sweep.name, trial: record.sweep.trial } : undefined,
  });
}

/**
 * rowOf, once per listing object: a record event replaces one listing, so only its row is made again when
 * thousands are listed.
 */
export function rowCache(): (listing: RunListing) => RunRow {
  const rows = new WeakMap<RunListing, RunRow>();
  return (listing) => {
    let row = rows.get(listing);
    if (!row) {
      row = rowOf(listing);
      rows.set(listing, row);
    }
    return row;
  };
}

/** The rows whose text holds every word of the query (any order, any case). */
function filterRows(rows: readonly RunRow[], query: string): RunRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return words.length === 0 ? [...rows] : rows.filter((row) => words.every((w) => row.text.includes(w)));
}

/** Names and layers compare as people read them ("#9" before "#10"); one collator for every comparison. */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Sorts in place by one column, missing values last either way, ties by id. */
function sortRows(rows: RunRow[], key: SortKey, descending: boolean): RunRow[] {
  const sign = descending ? -1 : 1;
  return rows.sort((a, b) => {
    const x = a[key];
    const y = b[key];
    const byId = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    if (x === y) return byId;
    if (x === null || x === '') return 1;
    if (y === null || y === '') return -1;
    if (typeof x === 'number' && typeof y === 'number') return (x - y) * sign;
    // ISO dates compare as text; the other text columns as people read them.
    if (key === 'createdAt') return (String(x) < String(y) ? -1 : 1) * sign;
    return collator.compare(String(x), String(y)) * sign || byId;
  });
}

/** Filters by a free-text query over the visible columns, then sorts (missing values last either way). */
export function filterAndSort(rows: readonly RunRow[], query: string, key: SortKey, descending: boolean): RunRow[] {
  return sortRows(filterRows(rows, query), key, descending);
}

/** A run's metrics as CSV: one row per iteration with its loss, evaluations where they happened. */
export function metricsCsv(metrics: RunMetrics): string {
  const byIteration = new Map(metrics.evaluations.filter((e) => !e.final).map((e) => [e.iteration, e]));
  const cell = (v: number | null | undefined): string => (v === null || v === undefined ? '' : String(v));
  const lines = ['iteration,loss,epoch,train_accuracy,test_accuracy,train_loss,test_loss'];
  for (let i = 0; i < metrics.losses.length; i++) {
    const e = byIteration.get(i);
    lines.push([i, cell(metrics.losses[i]), cell(e?.epoch), cell(e?.trainAccuracy), cell(e?.testAccuracy), cell(e?.trainLoss), cell(e?.testLoss)].join(','));
  }
  return `${lines.join('\n')}\n`;
}
