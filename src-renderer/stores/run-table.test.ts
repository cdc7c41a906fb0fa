import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../src-shared/config';
import type { RunListing, RunRecord } from '../../src-shared/run-record';
import { filterAndSort, metricsCsv, rowCache, rowOf } from './run-table';

function listing(id: string, name: string, best: number | null, hidden: number[], status: RunRecord['status'] = 'completed', sweep?: RunRecord['sweep']): RunListing {
  const config = parseTrainConfig({ network: { hiddenSizes: hidden } });
  return {
    kind: 'ok',
    record: {
      formatVersion: 1, id, name, config, status, dtype: 'float32',
      createdAt: `2026-11-2${id}T00:00:00.000Z`, updatedAt: '', versions: { app: '0', node: '20' },
      ...(sweep ? { sweep } : {}),
      ...(best === null ? {} : { summary: { iterations: 1, trainAccuracy: best, testAccuracy: best, bestTestAccuracy: best, seconds: 1 } }),
    },
  };
}

describe('runs table', () => {
  const rows = [listing('1', 'alpha', 0.91, [50]), listing('2', 'beta', 0.97, [100, 100]), listing('3', 'gamma', null, [50], 'failed')].map(rowOf);
  rows.push(rowOf({ kind: 'damaged', id: 'broken', problem: 'run.json is not JSON' }));

  it('describes each run by its layers and keeps the problem of an unreadable folder', () => {
    expect(rows[1]!.layers).toBe('784-100-100-10 relu');
    expect(rows[3]!.problem).toBe('run.json is not JSON');
  });

  it('sorts by accuracy with missing values last, both ways', () => {
    expect(filterAndSort(rows, '', 'bestTestAccuracy', true).map((r) => r.id)).toEqual(['2', '1', '3', 'broken']);
    expect(filterAndSort(rows, '', 'bestTestAccuracy', false).map((r) => r.id)).toEqual(['1', '2', '3', 'broken']);
  });

  it('filters on every word across the columns', () => {
    expect(filterAndSort(rows, 'failed', 'name', false).map((r) => r.id)).toEqual(['3']);
    expect(filterAndSort(rows, '784-50 completed', 'name', false).map((r) => r.id)).toEqual(['1']);
  });

  it('a run flagged stuck at chance says so, and the filter finds it by "stalled"', () => {
    const base = listing('4', 'stuck', 0.1, [50]);
    const stuck = rowOf(base.kind === 'ok' ? { ...base, record: { ...base.record, stalled: 'stuck at chance: try a smaller learning rate' } } : base);
    expect(stuck.stalled).toBe('stuck at chance: try a smaller learning rate');
    expect(rows[0]!.stalled).toBeUndefined();
    expect(filterAndSort([...rows, stuck], 'stalled', 'name', false).map((r) => r.id)).toEqual(['4']);
  });

  it('sorts names as people read them, and dates newest first', () => {
    const named = ['run #10', 'run #9', 'Run #1'].map((name, i) => rowOf(listing(String(i + 1), name, null, [50])));
    expect(filterAndSort(named, '', 'name', false).map((r) => r.name)).toEqual(['Run #1', 'run #9', 'run #10']);
    expect(filterAndSort(named, '', 'createdAt', true).map((r) => r.id)).toEqual(['3', '2', '1']);
  });

  it('finds a sweep trial by its sweep name, and makes each row once per listing', () => {
    const trial = listing('4', 'search #1', 0.5, [50], 'completed', { id: 's1', name: 'lr search', trial: 0, parameters: { 'optimizer.lr': 0.01 } });
    const row = rowOf(trial);
    expect(row.sweep).toEqual({ id: 's1', name: 'lr search', trial: 0 });
    expect(filterAndSort([...rows, row], 'LR SEARCH', 'name', false).map((r) => r.id)).toEqual(['4']);
    const cached = rowCache();
    expect(cached(trial)).toBe(cached(trial));
    expect(cached(trial)).not.toBe(cached({ ...trial }));
  });

  it('writes metrics as CSV with evaluations on their iteration', () => {
    const csv = metricsCsv({ losses: [2.3, null, 1.5], evaluations: [{ iteration: 2, epoch: 1, trainAccuracy: 0.5, testAccuracy: 0.4, trainLoss: 1, testLoss: 1.1, final: false }] });
    expect(csv.split('\n')).toEqual(['iteration,loss,epoch,train_accuracy,test_accuracy,train_loss,test_loss', '0,2.3,,,,,', '1,,,,,,', '2,1.5,1,0.5,0.4,1,1.1', '']);
  });
});
