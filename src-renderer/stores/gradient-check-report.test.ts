import { describe, expect, it } from 'vitest';
import { gradientCheckBound } from '../../src-engine/gradient';
import { parseTrainConfig } from '../../src-shared/config';
import {
  boundExplanation,
  differenceRows,
  expectedBound,
  formatExponential,
  formatSeconds,
  samplesProblem,
  summarizeConfig,
  verdictOf,
} from './gradient-check-report';

describe('gradient check report', () => {
  it('summarizes the config the check runs for, with its parameter count', () => {
    const summary = summarizeConfig(parseTrainConfig({ dtype: 'float64' }));
    expect(summary.text).toBe('784-50-10 ReLU, float64, backend auto');
    expect(summary.parameters).toBe(784 * 50 + 50 + 50 * 10 + 10);
    expect(summarizeConfig(parseTrainConfig({ network: { hiddenSizes: [100, 100], activation: 'sigmoid' }, backend: 'ts' })).text).toBe(
      '784-100-100-10 Sigmoid, float32, backend ts',
    );
  });

  it("explains the engine's own bound for every dtype and loss delta", () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const delta of [0, 1e-7, 1e-3]) expect(expectedBound(dtype, delta)).toBe(gradientCheckBound(dtype, delta));
    }
    expect(boundExplanation('float32', 1e-7)).toMatch(/coarse/);
    expect(boundExplanation('float64', 1e-7)).toMatch(/bound 1e-6/);
    expect(boundExplanation('float64', 0)).toMatch(/bound 1e-9/);
  });

  it('validates the samples field', () => {
    expect(samplesProblem(3)).toBeUndefined();
    expect(samplesProblem(32)).toBeUndefined();
    expect(samplesProblem('')).toMatch(/Enter/);
    expect(samplesProblem(0)).toMatch(/between 1 and 32/);
    expect(samplesProblem(33)).toMatch(/between 1 and 32/);
    expect(samplesProblem(2.5)).toMatch(/whole/);
    expect(samplesProblem('abc')).toMatch(/number/);
  });

  it('orders parameters by layer, passes at or below the bound and fails what is not finite', () => {
    const differences: Record<string, number> = { b2: 2e-6, W2: 1e-6, b1: 3e-10, W1: 4e-10 };
    const rows = differenceRows({ differences, bound: 1e-6, seconds: 1 });
    expect(rows.map((r) => r.parameter)).toEqual(['W1', 'b1', 'W2', 'b2']);
    expect(rows.map((r) => r.pass)).toEqual([true, true, true, false]);
    expect(verdictOf(rows, 1e-6)).toMatchObject({ pass: false, failed: ['b2'] });
    expect(verdictOf(rows.slice(0, 3), 1e-6).text).toMatch(/^Pass: all 3 parameters are within 1e-6/);

    // NaN arrives over JSON as null.
    const broken = differenceRows({ differences: JSON.parse('{"W1": null}') as Record<string, number>, bound: 5e-3, seconds: 1 });
    expect(broken).toEqual([{ parameter: 'W1', difference: null, pass: false }]);
    expect(formatExponential(broken[0]!.difference)).toBe('not finite');
  });

  it('formats numbers and durations', () => {
    expect(formatExponential(1.2345e-7)).toBe('1.23e-7');
    expect(formatSeconds(0.42)).toBe('0.4 s');
    expect(formatSeconds(125)).toBe('2 min 05 s');
  });
});
