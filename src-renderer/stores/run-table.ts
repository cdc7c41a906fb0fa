import type { RunListing, RunRecord } from '../../src-shared/run-record';
import type { RunMetrics } from '../../src-shared/api';

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
}

export type SortKey = 'name' | 'status' | 'dataset' | 'layers' | 'optimizer' | 'lr' | 'bestTestAccuracy' | 'seconds' | 'createdAt';

export function rowOf(listing: RunListing): RunRow {
  if (listing.kind !== 'ok') {
    return { id: listing.id, record: undefined, name: listing.id, status: listing.kind, dataset: '', layers: '', optimizer: '', lr: null, bestTestAccuracy: null, seconds: null, createdAt: '', problem: listing.problem };
  }
  const { record } = listing;
  const { network, dataset, optimizer } = record.config;
  return {
    id: record.id,
    record,
    name: record.name,
    status: record.status,
    dataset: dataset.kind === 'mnist' ? 'MNIST' : (dataset.path.split(/[\\/]/).filter(Boolean).at(-1) ?? dataset.path),
    layers: [network.inputSize, ...network.hiddenSizes, network.outputSize].join('-') + ` ${network.activation}`,
    optimizer: optimizer.type.toUpperCase(),
    lr: optimizer.lr,
    bestTestAccuracy: record.summary?.bestTestAccuracy ?? null,
    seconds: record.summary?.seconds ?? null,
    createdAt: record.createdAt,
    problem: record.reason,
  };
}

/** Filters by a free-text query over the visible columns, then sorts (missing values last either way). */
export function filterAndSort(rows: readonly RunRow[], query: string, key: SortKey, descending: boolean): RunRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = (row: RunRow): boolean => {
    const text = `${row.name} ${row.status} ${row.dataset} ${row.layers} ${row.optimizer} ${row.id}`.toLowerCase();
    return words.every((w) => text.includes(w));
  };
  const sign = descending ? -1 : 1;
  return rows.filter(matches).sort((a, b) => {
    const x = a[key];
    const y = b[key];
    if (x === y) return a.id.localeCompare(b.id);
    if (x === null || x === '') return 1;
    if (y === null || y === '') return -1;
    return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * sign;
  });
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
