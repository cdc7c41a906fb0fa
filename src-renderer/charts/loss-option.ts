import type { LossBuckets } from '../../src-shared/series/buckets';
import { curveChartOption } from './curve-option';
import type { CurveData } from './curves';
import { X_LABELS, type XMode, type XScale } from './x-axis';

type Point = [number, number | null];

/** Axis labels such as 250K, 1.2M or 41.55 (not 41.553919100686905). */
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumSignificantDigits: 4 });

/** One curve as the chart draws it: the whole run, and the zoomed range at its own resolution. */
export interface DrawnCurve {
  readonly name: string;
  readonly scale: XScale;
  readonly overview: CurveData | undefined;
  /** Iterations [from, to) of `detail`, which replaces the overview there. */
  readonly zoom?: { readonly from: number; readonly to: number; readonly detail: CurveData | undefined };
}

/**
 * The points of a curve's buckets, in x order: the raw curve as a min/max line (each bucket a vertical
 * stroke from its lowest to its highest loss, so spikes stay visible) and the smoothed curve, one point per
 * bucket. Buckets without a loss break the lines.
 */
function bucketPoints(b: LossBuckets, scale: XScale, keep: (iteration: number) => boolean, raw: Point[], smoothed: Point[]): void {
  for (let j = 0; j < b.min.length; j++) {
    const start = b.first + j * b.width;
    if (!keep(start)) continue;
    const x = scale.toX(start + (b.width - 1) / 2);
    const low = b.min[j] ?? null;
    const high = b.max[j] ?? null;
    raw.push([x, low]);
    if (high !== low) raw.push([x, high]);
    smoothed.push([x, b.smoothed[j] ?? null]);
  }
}

/** The raw and smoothed points of one curve: the overview outside the zoom, the detail inside it. */
export function curvePoints(curve: DrawnCurve): { raw: Point[]; smoothed: Point[] } {
  const raw: Point[] = [];
  const smoothed: Point[] = [];
  const { overview, zoom } = curve;
  const detail = zoom?.detail;
  if (!zoom || !detail) {
    if (overview) bucketPoints(overview.buckets, curve.scale, () => true, raw, smoothed);
    return { raw, smoothed };
  }
  if (overview) bucketPoints(overview.buckets, curve.scale, (i) => i + overview.buckets.width <= zoom.from, raw, smoothed);
  bucketPoints(detail.buckets, curve.scale, () => true, raw, smoothed);
  if (overview) bucketPoints(overview.buckets, curve.scale, (i) => i >= zoom.to, raw, smoothed);
  return { raw, smoothed };
}

export interface LossChartOptions {
  /** The x axis ends here (the furthest curve's last iteration, in x units): zoom percentages are of [0, extent]. */
  readonly extent: number;
  readonly xMode: XMode;
  readonly logY: boolean;
  readonly showRaw: boolean;
  /** The x range shown, in x units; undefined: everything. */
  readonly zoom: { readonly start: number; readonly end: number } | undefined;
}

/** The ECharts option of the loss chart: lines per curve, zoom (inside and a slider), log or linear y. */
export function lossChartOption(curves: readonly DrawnCurve[], options: LossChartOptions) {
  // Ids by position keep ECharts' series models from one update to the next (names may repeat).
  const lines = curves.flatMap((curve, index) => {
    const { raw, smoothed } = curvePoints(curve);
    const common = { type: 'line' as const, showSymbol: false, connectNulls: false, animation: false, progressive: 0 };
    const smoothLine = { ...common, id: `${index}-smoothed`, name: options.showRaw ? `${curve.name} (smoothed)` : curve.name, data: smoothed, lineStyle: { width: 2 } };
    return options.showRaw ? [{ ...common, id: `${index}-raw`, name: `${curve.name} (raw)`, data: raw, lineStyle: { width: 1, opacity: 0.35 } }, smoothLine] : [smoothLine];
  });
  const base = curveChartOption(X_LABELS[options.xMode], options.logY ? { name: 'loss (log)' } : { name: 'loss', min: 0 }, lines);
  const range = options.zoom ? { startValue: options.zoom.start, endValue: options.zoom.end } : { start: 0, end: 100 };
  return {
    ...base,
    grid: { ...base.grid, bottom: 70 },
    xAxis: { ...base.xAxis, nameGap: 22, max: options.extent > 0 ? options.extent : ('dataMax' as const), axisLabel: { formatter: (v: number) => compact.format(v) } },
    yAxis: { ...base.yAxis, type: options.logY ? ('log' as const) : ('value' as const), scale: options.logY },
    dataZoom: [
      { type: 'inside' as const, xAxisIndex: 0, filterMode: 'none' as const, ...range },
      { type: 'slider' as const, xAxisIndex: 0, filterMode: 'none' as const, height: 18, bottom: 8, showDataShadow: false, ...range },
    ],
  };
}
