import type { RunRecord } from '../../../src-shared/run-record';
import type { SweepParameter } from '../../../src-shared/sweep';
import { validationAccuracy } from '../../../src-shared/sweep-progress';
import { formatNumber, parameterLabel, percent, trialLabel } from './sweep-format';

/**
 * The Sweeps view's parameter charts (ECharts options): fitted to the trials shown — the colour scale spans
 * their accuracies, log axes read 1e-8, words and lists are plain category labels.
 */

/** How a varied parameter is drawn: on a log or linear axis, or as categories (words, flags, lists). */
export type ChartAxis = { readonly path: string; readonly type: 'log' | 'value' } | { readonly path: string; readonly type: 'category'; readonly categories: readonly string[] };

/** Grid numbers spanning two decades or more (all positive) read best on a log axis, as log-uniform draws do. */
const LOG_SPAN = 100;

export function chartAxis(parameter: SweepParameter): ChartAxis {
  const { path } = parameter;
  if (parameter.kind === 'log-uniform') return { path, type: 'log' };
  if (parameter.kind === 'uniform') return { path, type: 'value' };
  const values = parameter.values;
  if (values.every((v): v is number => typeof v === 'number')) {
    const positive = values.every((v) => v > 0);
    return { path, type: positive && Math.max(...values) / Math.min(...values) >= LOG_SPAN ? 'log' : 'value' };
  }
  return { path, type: 'category', categories: [...new Set(values.map((v) => parameterLabel(v)))] };
}

/** The colour scale's range: the accuracies' own min..max (at least one point wide), within 0..1. */
export function accuracyRange(values: readonly number[]): { min: number; max: number } {
  if (values.length === 0) return { min: 0, max: 1 };
  let min = Math.min(...values);
  let max = Math.max(...values);
  if (max - min < 0.01) {
    const middle = (min + max) / 2;
    min = Math.max(0, middle - 0.005);
    max = Math.min(1, middle + 0.005);
  }
  return { min, max };
}

const RAMP = ['#d73027', '#fee08b', '#1a9850'];
const numberLabels = { formatter: (value: number) => formatNumber(value) };
const percentLabels = { formatter: (value: number) => percent(value) };

function colourScale(range: { min: number; max: number }, dimension: number, show: boolean) {
  return {
    min: range.min,
    max: range.max,
    dimension,
    show,
    right: 0,
    top: 'middle' as const,
    calculable: true,
    formatter: (value: number) => percent(value),
    inRange: { color: RAMP },
  };
}

function valueOf(record: RunRecord, axis: ChartAxis): number | string {
  const value = record.sweep?.parameters[axis.path];
  return axis.type === 'category' || typeof value !== 'number' ? parameterLabel(value) : value;
}

const axisOf = (axis: ChartAxis) => (axis.type === 'category' ? { type: 'category' as const, data: [...axis.categories] } : { type: axis.type, axisLabel: numberLabels, scale: true });

/**
 * Two numeric parameters against each other (lr vs weight decay for the book's search), coloured by validation
 * accuracy; with one numeric parameter, that parameter against the accuracy. Undefined without one.
 */
export function scatterOption(parameters: readonly SweepParameter[], ranked: readonly RunRecord[]) {
  const numeric = parameters.map(chartAxis).filter((a) => a.type !== 'category');
  const [px, py] = numeric;
  if (!px) return undefined;
  const range = accuracyRange(ranked.map((r) => validationAccuracy(r)!));
  const points = ranked.map((r) => {
    const accuracy = validationAccuracy(r)!;
    return [valueOf(r, px), py ? valueOf(r, py) : accuracy, accuracy, trialLabel(r)];
  });
  const describe = (value: number[]): string =>
    `${value[3]}: ${px.path} ${formatNumber(value[0]!)}${py ? `, ${py.path} ${formatNumber(value[1]!)}` : ''} → ${percent(value[2])}`;
  return {
    backgroundColor: 'transparent',
    animation: false,
    grid: { left: 70, right: 90, top: 20, bottom: 50 },
    tooltip: { formatter: (p: { value: number[] }) => describe(p.value) },
    xAxis: { ...axisOf(px), name: px.path, nameLocation: 'middle' as const, nameGap: 28 },
    yAxis: py ? { ...axisOf(py), name: py.path, nameLocation: 'middle' as const, nameGap: 55 } : { type: 'value' as const, name: 'validation acc.', nameLocation: 'middle' as const, nameGap: 55, scale: true, axisLabel: percentLabels },
    visualMap: colourScale(range, 2, true),
    series: [{ type: 'scatter' as const, data: points, symbolSize: 10 }],
  };
}

/** Every varied parameter and the validation accuracy, one line per ranked trial. Undefined without parameters. */
export function parallelOption(parameters: readonly SweepParameter[], ranked: readonly RunRecord[]) {
  if (parameters.length === 0) return undefined;
  const axes = parameters.map(chartAxis);
  const range = accuracyRange(ranked.map((r) => validationAccuracy(r)!));
  const dims = [
    ...axes.map((axis, dim) => ({ dim, name: axis.path, ...axisOf(axis) })),
    { dim: axes.length, name: 'validation acc.', type: 'value' as const, min: range.min, max: range.max, axisLabel: percentLabels },
  ];
  return {
    backgroundColor: 'transparent',
    animation: false,
    parallel: { left: 60, right: 80, top: 40, bottom: 30 },
    parallelAxis: dims,
    visualMap: colourScale(range, axes.length, false),
    series: [{ type: 'parallel' as const, data: ranked.map((r) => [...axes.map((a) => valueOf(r, a)), validationAccuracy(r)!]), lineStyle: { width: 1.5, opacity: 0.6 } }],
  };
}
