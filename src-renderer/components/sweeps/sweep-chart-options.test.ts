import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../../src-shared/config';
import type { RunRecord } from '../../../src-shared/run-record';
import type { SweepParameter, SweepTag } from '../../../src-shared/sweep';
import { accuracyRange, chartAxis, parallelOption, scatterOption } from './sweep-chart-options';
import { formatNumber, parameterLabel } from './sweep-format';

const config = parseTrainConfig({});
function trial(index: number, testAccuracy: number, parameters: SweepTag['parameters']): RunRecord {
  return {
    formatVersion: 1,
    id: `run-${index}`,
    name: `s #${index + 1}`,
    config,
    status: 'completed',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    dtype: 'float32',
    versions: { app: '0', node: '20' },
    sweep: { id: 's', name: 's', trial: index, parameters },
    summary: { iterations: 10, trainAccuracy: 0.5, testAccuracy, bestTestAccuracy: testAccuracy, seconds: 1 },
  };
}

describe('axis and table labels', () => {
  it('numbers read in 1e-8 notation when tiny or huge, else at 3 significant digits', () => {
    expect([1e-8, 2.5e-6, 0.000123, 0.001, 0.00999, 0.1, 1, 123.456, 99999, 1e5, 0, -3e-7].map(formatNumber)).toEqual(['1e-8', '2.5e-6', '1.23e-4', '0.001', '0.00999', '0.1', '1', '123', '1e5', '1e5', '0', '-3e-7']);
  });

  it('parameter values are plain labels: words without JSON quotes, hidden sizes as 100-100', () => {
    expect([parameterLabel('adam'), parameterLabel(true), parameterLabel([100, 100]), parameterLabel([]), parameterLabel(0.00001), parameterLabel(undefined)]).toEqual(['adam', 'true', '100-100', 'none', '1e-5', '–']);
  });
});

describe('sweep chart options', () => {
  const lr: SweepParameter = { kind: 'log-uniform', path: 'optimizer.lr', min: 1e-6, max: 1e-2 };
  const decay: SweepParameter = { kind: 'log-uniform', path: 'network.weightDecay', min: 1e-8, max: 1e-4 };
  const optimizer: SweepParameter = { kind: 'grid', path: 'optimizer.type', values: ['sgd', 'adam'] };
  const ranked = [trial(0, 0.38, { 'optimizer.lr': 0.009, 'network.weightDecay': 2e-8, 'optimizer.type': 'adam' }), trial(1, 0.09, { 'optimizer.lr': 2e-6, 'network.weightDecay': 5e-5, 'optimizer.type': 'sgd' })];

  it('axes: log for log-uniform draws and grids spanning two decades, categories for words', () => {
    expect(chartAxis(lr).type).toBe('log');
    expect(chartAxis({ kind: 'grid', path: 'optimizer.lr', values: [0.001, 0.01, 0.1] }).type).toBe('log');
    expect(chartAxis({ kind: 'grid', path: 'training.batchSize', values: [50, 100, 200] }).type).toBe('value');
    expect(chartAxis({ kind: 'uniform', path: 'network.weightDecay', min: 0, max: 1 }).type).toBe('value');
    expect(chartAxis({ kind: 'grid', path: 'network.hiddenSizes', values: [[100], [100, 100]] })).toEqual({ path: 'network.hiddenSizes', type: 'category', categories: ['100', '100-100'] });
  });

  it('the colour scale spans the trials’ accuracies (9 % .. 38 %), not 0..1, and a single value still gets a range', () => {
    const option = scatterOption([lr, decay], ranked)!;
    expect([option.visualMap.min, option.visualMap.max]).toEqual([0.09, 0.38]);
    expect(option.visualMap.formatter(0.38)).toBe('38.0 %');
    expect(option.xAxis.type).toBe('log');
    expect(option.xAxis.axisLabel?.formatter(1e-8)).toBe('1e-8');
    expect(option.series[0]!.data).toEqual([[0.009, 2e-8, 0.38, '#1'], [2e-6, 5e-5, 0.09, '#2']]);
    expect(accuracyRange([0.5])).toEqual({ min: 0.495, max: 0.505 });
    expect(accuracyRange([])).toEqual({ min: 0, max: 1 });
  });

  it('parallel coordinates: word values as plain categories, the accuracy axis fitted to the trials', () => {
    const option = parallelOption([optimizer, lr], ranked)!;
    expect(option.parallelAxis[0]).toMatchObject({ name: 'optimizer.type', type: 'category', data: ['sgd', 'adam'] });
    expect(option.parallelAxis[2]).toMatchObject({ name: 'validation acc.', min: 0.09, max: 0.38 });
    expect(option.series[0]!.data).toEqual([['adam', 0.009, 0.38], ['sgd', 2e-6, 0.09]]);
    // Only words: no scatter (nothing numeric to place), the parallel chart still shows them.
    expect(scatterOption([optimizer], ranked)).toBeUndefined();
    expect(scatterOption([lr], ranked)!.yAxis.name).toBe('validation acc.');
  });
});
