import type { Histogram } from '../../src-engine/experiments/histogram';

/** An axis end as a short number (a ReLU range ends at the largest activation, e.g. 7.3184...). */
function rounded(v: number): string {
  return String(Number(v.toPrecision(3)));
}

/** How many decimals a bin's edge needs to be told from its neighbours. */
function edgeDigits(edges: readonly number[]): number {
  const width = Math.abs((edges[1] ?? 1) - (edges[0] ?? 0));
  return Math.min(6, Math.max(0, Math.ceil(-Math.log10(width)) + 1));
}

/**
 * One layer's histogram as a small bar chart, like one panel of the book's figures 6-10 ... 6-14: a bar per bin
 * over the bin's [left, right) edges, the y axis up to `yMax` (shared by the panels of one figure so they
 * compare; a bar above it is cut off, as the book's ReLU figure cuts off the zeros at 7000).
 */
export function histogramChartOption(histogram: Histogram, name: string, yMax: number) {
  const digits = edgeDigits(histogram.edges);
  const label = (i: number): string => `${histogram.edges[i]!.toFixed(digits)}–${histogram.edges[i + 1]!.toFixed(digits)}`;
  const first = histogram.edges[0]!;
  const last = histogram.edges[histogram.edges.length - 1]!;
  return {
    backgroundColor: 'transparent',
    animation: false,
    grid: { left: 44, right: 14, top: 8, bottom: 24 },
    tooltip: { trigger: 'axis' as const },
    xAxis: {
      type: 'category' as const,
      data: histogram.counts.map((_, i) => label(i)),
      axisTick: { show: false },
      // Only the range's ends are labelled; the tooltip names each bin.
      axisLabel: { interval: 0, formatter: (_: string, i: number) => (i === 0 ? rounded(first) : i === histogram.counts.length - 1 ? rounded(last) : '') },
    },
    yAxis: { type: 'value' as const, min: 0, max: yMax },
    series: [{ type: 'bar' as const, name, data: [...histogram.counts], barCategoryGap: '0%', clip: true }],
  };
}

/**
 * The y axis the panels of one figure share: the tallest bar rounded up to a half power of ten (36 793 draws to
 * 40 000, so the top label does not crowd the ticks below it), or `cap` when lower (the book's 7000 for ReLU).
 */
export function sharedYMax(histograms: readonly Histogram[], cap?: number): number {
  const tallest = Math.max(1, ...histograms.flatMap((h) => h.counts));
  const step = 10 ** Math.floor(Math.log10(tallest)) / 2;
  const nice = Math.ceil(tallest / step) * step;
  return cap === undefined ? nice : Math.min(cap, nice);
}
