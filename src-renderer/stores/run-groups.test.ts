import { describe, expect, it } from 'vitest';
import { groupRows, sweepSummaries, type TableItem } from './run-groups';
import { filterAndSort, type RunRow } from './run-table';

function row(id: string, best: number | null, sweep?: { id: string; name: string; trial: number }): RunRow {
  const name = sweep ? `${sweep.name} #${sweep.trial + 1}` : `run ${id}`;
  return {
    id, record: undefined, name, status: 'completed', dataset: 'MNIST', layers: '784-50-10 relu', optimizer: 'SGD', lr: 0.1,
    bestTestAccuracy: best, seconds: 1, createdAt: `2026-11-30T00:00:0${id.length % 10}.000Z`, problem: undefined, stalled: undefined, sweep,
    text: `${name} ${sweep?.name ?? ''}`.toLowerCase(),
  };
}

const lines = (items: TableItem[]): string[] => items.map((i) => (i.kind === 'group' ? `[${i.sweep.name} ${i.shown}/${i.sweep.trials}${i.expanded ? '' : ' closed'}]` : `${'  '.repeat(i.depth)}${i.row.name}`));

describe('sweep groups in the runs table', () => {
  const a = { id: 'sa', name: 'alpha' };
  const b = { id: 'sb', name: 'beta' };
  const rows = [row('1', 0.9), row('2', 0.95, { ...a, trial: 0 }), row('3', 0.97, { ...a, trial: 1 }), row('4', 0.5, { ...b, trial: 0 }), row('5', null, { ...a, trial: 2 })];
  const sweeps = sweepSummaries(rows);

  it('sums up each sweep over all its trials', () => {
    expect(sweeps.get('sa')).toEqual({ id: 'sa', name: 'alpha', trials: 3, bestTestAccuracy: 0.97 });
    expect(sweeps.get('sb')).toEqual({ id: 'sb', name: 'beta', trials: 1, bestTestAccuracy: 0.5 });
  });

  it('puts a group where its first trial sorts, its trials under it in order while open', () => {
    const sorted = filterAndSort(rows, '', 'bestTestAccuracy', true);
    expect(lines(groupRows(sorted, { sweeps, expanded: (id) => id === 'sa', showTrials: true }))).toEqual(['[alpha 3/3]', '  alpha #2', '  alpha #1', '  alpha #3', 'run 1', '[beta 1/1 closed]']);
    expect(lines(groupRows(sorted, { sweeps, expanded: () => false, showTrials: true }))).toEqual(['[alpha 3/3 closed]', 'run 1', '[beta 1/1 closed]']);
  });

  it('keeps the group of the trials a filter matches, and counts what it shows', () => {
    const filtered = filterAndSort(rows, '#2', 'name', false);
    expect(lines(groupRows(filtered, { sweeps, expanded: () => true, showTrials: true }))).toEqual(['[alpha 1/3]', '  alpha #2']);
    expect(lines(groupRows(filterAndSort(rows, 'beta', 'name', false), { sweeps, expanded: () => true, showTrials: true }))).toEqual(['[beta 1/1]', '  beta #1']);
  });

  it('leaves sweep trials out on request', () => {
    expect(lines(groupRows(rows, { sweeps, expanded: () => true, showTrials: false }))).toEqual(['run 1']);
  });
});
