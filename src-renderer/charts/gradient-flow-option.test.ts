import { describe, expect, it } from 'vitest';
import type { StoredEvaluation, StoredLayerGradientFlow } from '../../src-shared/run-record';
import { gradientFlowChartOption, gradientFlowLayers, gradientFlowLines, gradientFlowSummary, latestGradientFlow, shortNumber, type GradientFlowRun } from './gradient-flow-option';

const at = (iteration: number, gradients?: StoredLayerGradientFlow[], final = false): StoredEvaluation => ({
  iteration,
  epoch: iteration / 600,
  trainAccuracy: 0.1,
  testAccuracy: 0.1,
  trainLoss: 2.3,
  testLoss: 2.3,
  final,
  ...(gradients ? { gradients } : {}),
});
const layer = (weightNorm: number, biasNorm: number | null, updateRatio: number | null): StoredLayerGradientFlow => ({ weightNorm, biasNorm, updateRatio });

// The first and last layer of the 5-layer sigmoid run with std 0.01 measured for the README (and the BatchNorm one's).
const sigmoid: GradientFlowRun = {
  name: 'sigmoid',
  evaluations: [
    at(1, [layer(1.19e-8, 2e-9, 8.2e-11), layer(0.367, 0.05, 0.12)]),
    at(601, [layer(1.62e-8, 3e-9, 1.4e-10), layer(0.532, 0.07, 0.16)]),
    // The final evaluation at a scheduled one's iteration is the same point: drawn once.
    at(601, [layer(1.62e-8, 3e-9, 1.4e-10), layer(0.532, 0.07, 0.16)], true),
  ],
};
const batchNorm: GradientFlowRun = { name: 'bn', evaluations: [at(1, [layer(0.347, 1e-17, 0.012), layer(0.507, 0.1, 0.16)]), at(601, [layer(1.05, 0, 0.028), layer(0.288, 0.1, 0.004)])] };
const old: GradientFlowRun = { name: 'old', evaluations: [at(1), at(601)] };

describe('the gradient flow chart', () => {
  it('draws one line per layer of a run, named Affine1..L, at the evaluations\' iterations', () => {
    const lines = gradientFlowLines([sigmoid], { statistic: 'weightNorm', log: true });
    expect(lines.map((l) => l.name)).toEqual(['Affine1', 'Affine2']);
    expect(lines.map((l) => l.data)).toEqual([
      [[1, 1.19e-8], [601, 1.62e-8]],
      [[1, 0.367], [601, 0.532]],
    ]);
    expect(gradientFlowLines([sigmoid], { statistic: 'updateRatio', log: true })[0]!.data).toEqual([[1, 8.2e-11], [601, 1.4e-10]]);
  });

  it('leaves a gap for what a log axis cannot show (zero, not finite) and shows zero on a linear one', () => {
    expect(gradientFlowLines([batchNorm], { statistic: 'biasNorm', log: true })[0]!.data).toEqual([[1, 1e-17], [601, null]]);
    expect(gradientFlowLines([batchNorm], { statistic: 'biasNorm', log: false })[0]!.data).toEqual([[1, 1e-17], [601, 0]]);
    expect(gradientFlowLines([{ name: 'x', evaluations: [at(1, [layer(1, null, null)])] }], { statistic: 'updateRatio', log: false })[0]!.data).toEqual([[1, null]]);
  });

  it('overlays runs: a line per run and layer (colour the layer, dash the run), or per run for one layer', () => {
    const all = gradientFlowLines([sigmoid, batchNorm, old], { statistic: 'weightNorm', log: true });
    expect(all.map((l) => [l.name, l.lineStyle.color, l.lineStyle.type])).toEqual([
      ['sigmoid · Affine1', '#5470c6', 'solid'],
      ['sigmoid · Affine2', '#91cc75', 'solid'],
      ['bn · Affine1', '#5470c6', 'dashed'],
      ['bn · Affine2', '#91cc75', 'dashed'],
    ]);
    // Each run in the colour the overlay's loss and accuracy charts give it (the old run's third place kept).
    const first = gradientFlowLines([sigmoid, old, batchNorm], { statistic: 'weightNorm', log: true, layer: 0 });
    expect(first.map((l) => [l.name, l.lineStyle.color, l.lineStyle.type, l.data])).toEqual([
      ['sigmoid', '#5470c6', 'solid', [[1, 1.19e-8], [601, 1.62e-8]]],
      ['bn', '#fac858', 'solid', [[1, 0.347], [601, 1.05]]],
    ]);
    expect(gradientFlowLayers([sigmoid, old])).toBe(2);
    expect(gradientFlowLayers([old])).toBe(0);
  });

  it('has a log y axis labelled in powers of ten by default, named after the statistic', () => {
    const option = gradientFlowChartOption([sigmoid], { statistic: 'weightNorm', log: true });
    expect(option.yAxis.type).toBe('log');
    expect(option.yAxis.name).toBe('‖∂L/∂W‖');
    expect([1e-8, 0.01, 1, 100, 1000].map((v) => option.yAxis.axisLabel.formatter(v))).toEqual(['1e-8', '0.01', '1', '100', '1e3']);
    const linear = gradientFlowChartOption([sigmoid], { statistic: 'updateRatio', log: false });
    expect([linear.yAxis.type, linear.yAxis.name, linear.yAxis.axisLabel.formatter(0.125)]).toEqual(['value', 'update / weight ‖ΔW‖/‖W‖', '0.125']);
    expect(option.tooltip.valueFormatter(1.19e-8)).toBe('1.19e-8');
  });

  it('says the latest numbers in words and lists them per layer', () => {
    expect(gradientFlowSummary([sigmoid], 'weightNorm')).toBe('‖∂L/∂W‖ at iteration 601: Affine1 1.62e-8, Affine2 0.532');
    expect(gradientFlowSummary([sigmoid, batchNorm], 'biasNorm')).toBe('sigmoid, ‖∂L/∂b‖ at iteration 601: Affine1 3.00e-9, Affine2 0.07; bn, ‖∂L/∂b‖ at iteration 601: Affine1 0, Affine2 0.1');
    expect(gradientFlowSummary([old], 'weightNorm')).toBe('‖∂L/∂W‖ per layer: no gradient statistics');
    expect(latestGradientFlow(batchNorm)).toEqual({ iteration: 601, layers: [{ name: 'Affine1', weightNorm: 1.05, biasNorm: 0, updateRatio: 0.028 }, { name: 'Affine2', weightNorm: 0.288, biasNorm: 0.1, updateRatio: 0.004 }] });
    expect(latestGradientFlow(old)).toBeUndefined();
    expect([shortNumber(null), shortNumber(12345), shortNumber(-0.5)]).toEqual(['–', '1.23e+4', '-0.5']);
  });

  it('names a conv run\'s layers as it recorded them: Conv1 before Affine1, in the lines, the words and the table', () => {
    const conv: GradientFlowRun = { ...batchNorm, name: 'conv', layerNames: ['Conv1', 'Affine1'] };
    expect(gradientFlowLines([conv], { statistic: 'weightNorm', log: true }).map((line) => line.name)).toEqual(['Conv1', 'Affine1']);
    expect(gradientFlowSummary([conv, sigmoid], 'weightNorm')).toBe('conv, ‖∂L/∂W‖ at iteration 601: Conv1 1.05, Affine1 0.288; sigmoid, ‖∂L/∂W‖ at iteration 601: Affine1 1.62e-8, Affine2 0.532');
    expect(latestGradientFlow(conv)?.layers.map((l) => l.name)).toEqual(['Conv1', 'Affine1']);
  });
});
