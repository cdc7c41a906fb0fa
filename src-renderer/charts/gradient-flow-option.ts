import type { StoredEvaluation, StoredLayerGradientFlow } from '../../src-shared/run-record';

/** One of the gradient flow's per-layer numbers (see LayerGradientFlow in the engine). */
export type GradientStatistic = keyof StoredLayerGradientFlow;

export const GRADIENT_STATISTICS: ReadonlyArray<{ readonly key: GradientStatistic; readonly label: string }> = [
  { key: 'weightNorm', label: '‖∂L/∂W‖' },
  { key: 'biasNorm', label: '‖∂L/∂b‖' },
  { key: 'updateRatio', label: 'update / weight ‖ΔW‖/‖W‖' },
];

export interface GradientFlowRun {
  readonly name: string;
  readonly evaluations: readonly StoredEvaluation[];
  /** The names of its layers with weights, in the order of its gradient flow (weightLayerNames); Affine1.. when absent. */
  readonly layerNames?: readonly string[];
}

export interface GradientFlowView {
  readonly statistic: GradientStatistic;
  /** Log scale on y: these numbers span decades (a vanishing gradient, tens of them). */
  readonly log: boolean;
  /** 0-based: this Affine layer only, one line per run; absent: every layer of every run. */
  readonly layer?: number | undefined;
}

/** ECharts' default palette: a layer keeps its colour across the runs of an overlay (the runs differ by dash). */
const PALETTE = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc'];
const DASHES = ['solid', 'dashed', 'dotted'] as const;

/** Layer l's name in `run`: its own (Conv1, ..., Affine1, ...), else Affine{l + 1} as an MLP's. */
export const layerName = (l: number, run?: GradientFlowRun): string => run?.layerNames?.[l] ?? `Affine${l + 1}`;

/** The evaluations that carry a gradient flow, a final one only where no scheduled one fell on its iteration. */
function measured(evaluations: readonly StoredEvaluation[]): Array<StoredEvaluation & { gradients: readonly StoredLayerGradientFlow[] }> {
  const scheduled = new Set(evaluations.filter((e) => !e.final && e.gradients).map((e) => e.iteration));
  return evaluations.flatMap((e) => (e.gradients && (!e.final || !scheduled.has(e.iteration)) ? [{ ...e, gradients: e.gradients }] : []));
}

/** The most Affine layers any of the runs recorded (0: none has a gradient flow). */
export function gradientFlowLayers(runs: readonly GradientFlowRun[]): number {
  return Math.max(0, ...runs.flatMap((r) => r.evaluations.map((e) => e.gradients?.length ?? 0)));
}

/** Whether a run has any gradient flow on record (runs recorded before it have none). */
export const hasGradientFlow = (run: GradientFlowRun): boolean => run.evaluations.some((e) => e.gradients !== undefined);

/**
 * The lines to draw: a line per Affine layer (legend Affine1..L), and with several runs a line per run and
 * layer (colour: the layer, dash: the run), or a line per run for one chosen layer. Points are
 * [iteration, value]; a value a log axis cannot show (null, zero) is a gap.
 */
export function gradientFlowLines(runs: readonly GradientFlowRun[], view: GradientFlowView) {
  const several = runs.length > 1;
  const layers = gradientFlowLayers(runs);
  // r counts every run, those without a gradient flow too: a run keeps the colour the overlay's other charts give it.
  return runs.flatMap((run, r) => {
    if (!hasGradientFlow(run)) return [];
    const points = measured(run.evaluations);
    const picked = view.layer === undefined ? Array.from({ length: layers }, (_, l) => l) : [view.layer];
    return picked.map((l) => {
      const name = !several ? layerName(l, run) : view.layer === undefined ? `${run.name} · ${layerName(l, run)}` : run.name;
      const color = view.layer === undefined ? PALETTE[l % PALETTE.length]! : PALETTE[r % PALETTE.length]!;
      const data = points.map((e): [number, number | null] => {
        const value = e.gradients[l]?.[view.statistic] ?? null;
        return [e.iteration, value !== null && view.log && value <= 0 ? null : value];
      });
      return {
        type: 'line' as const,
        name,
        data,
        showSymbol: data.length <= 100,
        symbolSize: 5,
        itemStyle: { color },
        lineStyle: { color, type: several && view.layer === undefined ? DASHES[r % DASHES.length]! : ('solid' as const) },
      };
    });
  });
}

/** A number in a few significant digits, as the chart's axis and tooltip show it (1.19e-8, 0.367). */
export function shortNumber(value: number | null): string {
  if (value === null) return '–';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  return magnitude >= 1e-3 && magnitude < 1e4 ? String(Number(value.toPrecision(3))) : value.toExponential(2);
}

/** A log axis's label: 0.01 to 100 as they are, beyond as 1e-8 or 1e3. */
const powerOfTen = (v: number): string => (v >= 0.01 && v <= 100 ? String(v) : v.toExponential(0).replace('e+', 'e'));

export function gradientFlowChartOption(runs: readonly GradientFlowRun[], view: GradientFlowView) {
  const label = GRADIENT_STATISTICS.find((s) => s.key === view.statistic)!.label;
  return {
    backgroundColor: 'transparent',
    animation: false,
    grid: { left: 64, right: 16, top: 60, bottom: 40 },
    legend: { top: 4, type: 'scroll' as const },
    tooltip: { trigger: 'axis' as const, valueFormatter: (v: unknown) => (typeof v === 'number' ? shortNumber(v) : '–') },
    xAxis: { type: 'value' as const, name: 'iteration', nameLocation: 'middle' as const, nameGap: 24, min: 0 },
    yAxis: view.log
      ? { type: 'log' as const, name: label, logBase: 10, axisLabel: { formatter: powerOfTen } }
      : { type: 'value' as const, name: label, axisLabel: { formatter: (v: number) => shortNumber(v) } },
    series: gradientFlowLines(runs, view),
  };
}

/** In words, for a screen reader: each run's latest gradient flow of the statistic, layer by layer. */
export function gradientFlowSummary(runs: readonly GradientFlowRun[], statistic: GradientStatistic): string {
  const label = GRADIENT_STATISTICS.find((s) => s.key === statistic)!.label;
  const parts = runs.flatMap((run) => {
    const latest = measured(run.evaluations).at(-1);
    if (!latest) return [];
    const values = latest.gradients.map((layer, l) => `${layerName(l, run)} ${shortNumber(layer[statistic])}`).join(', ');
    return [`${runs.length > 1 ? `${run.name}, ` : ''}${label} at iteration ${latest.iteration}: ${values}`];
  });
  return parts.length ? parts.join('; ') : `${label} per layer: no gradient statistics`;
}

/** The latest gradient flow of a run, for its table: iteration and each layer's numbers. */
export function latestGradientFlow(run: GradientFlowRun): { iteration: number; layers: ReadonlyArray<{ name: string } & StoredLayerGradientFlow> } | undefined {
  const latest = measured(run.evaluations).at(-1);
  return latest && { iteration: latest.iteration, layers: latest.gradients.map((layer, l) => ({ name: layerName(l, run), ...layer })) };
}
