import { describe, expect, it } from 'vitest';
import type { StoredEvaluation } from '../run-record';
import { GradientThinning } from './gradient-thinning';

const evaluation = (iteration: number, gradients = true): StoredEvaluation => ({
  iteration,
  epoch: iteration,
  trainAccuracy: 0.5,
  testAccuracy: 0.5,
  trainLoss: 1,
  testLoss: 1,
  final: false,
  ...(gradients ? { gradients: [{ weightNorm: iteration, biasNorm: 1, updateRatio: 0.001 }] } : {}),
});

const withGradients = (list: readonly StoredEvaluation[]): number[] => list.filter((e) => e.gradients).map((e) => e.iteration);

describe('GradientThinning', () => {
  it('keeps every evaluation and the gradient flow of an even spread of them plus the latest', () => {
    const thinning = new GradientThinning(4);
    const list: StoredEvaluation[] = [];
    const kept: number[][] = [];
    for (let i = 0; i < 10; i++) {
      thinning.push(list, evaluation(i));
      kept.push(withGradients(list));
    }
    expect(list.map((e) => e.iteration)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(kept).toEqual([
      [0],
      [0, 1],
      [0, 1, 2],
      [0, 1, 2, 3],
      // Five on the stride: every other goes, the stride becomes 2.
      [0, 2, 4],
      // 5 is off the stride: kept while it is the latest, dropped when 6 arrives.
      [0, 2, 4, 5],
      [0, 2, 4, 6],
      [0, 2, 4, 6, 7],
      [0, 4, 8],
      [0, 4, 8, 9],
    ]);
    // What was dropped is only the gradient flow: the rest of the evaluation is as it came.
    expect(list[1]).toEqual({ ...evaluation(1, false) });
  });

  it('passes evaluations without gradient flow through and never counts them (runs recorded before it)', () => {
    const thinning = new GradientThinning(2);
    const list: StoredEvaluation[] = [];
    for (let i = 0; i < 6; i++) thinning.push(list, evaluation(i, i % 3 === 0));
    expect(list).toHaveLength(6);
    expect(withGradients(list)).toEqual([0, 3]);
  });

  it('bounds a long run: 100 000 evaluations keep at most limit + 1 gradient flows, the first and the last among them', () => {
    const thinning = new GradientThinning(2048);
    const list: StoredEvaluation[] = [];
    for (let i = 0; i < 100_000; i++) thinning.push(list, evaluation(i));
    const kept = withGradients(list);
    expect(kept.length).toBeLessThanOrEqual(2049);
    expect(kept.length).toBeGreaterThan(1024);
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(99_999);
    // Evenly spread: one stride between every two kept on it.
    const gaps = new Set(kept.slice(1, -1).map((k, i) => k - kept[i]));
    expect(gaps.size).toBe(1);
  });

  it('refuses an odd or tiny limit', () => {
    expect(() => new GradientThinning(3)).toThrow(/even number/);
    expect(() => new GradientThinning(0)).toThrow(/even number/);
  });
});
