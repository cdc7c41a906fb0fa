/** The frame every curve chart shares: x from 0 named `xName`, y named `yName` within optional bounds. */
export function curveChartOption<S>(xName: string, y: { name: string; min?: number; max?: number }, series: S[]) {
  return {
    backgroundColor: 'transparent',
    animation: false,
    // The legend sits in the top 30 px, the y axis's name under it (above the plot), so the two never overlap.
    grid: { left: 50, right: 16, top: 60, bottom: 40 },
    legend: { top: 4, type: 'scroll' as const },
    tooltip: { trigger: 'axis' as const, valueFormatter: (v: unknown) => (typeof v === 'number' ? v.toFixed(4) : '–') },
    xAxis: { type: 'value' as const, name: xName, nameLocation: 'middle' as const, nameGap: 24, min: 0 },
    yAxis: { type: 'value' as const, ...y },
    series,
  };
}
