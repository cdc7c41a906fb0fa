import { describe, expect, it } from 'vitest';
import { sweepSchema } from '../../src-shared/sweep';
import { checkTrialCount, gridCombination, MAX_SWEEP_TRIALS, planTrials, trialCount } from './sweep-plan';

describe('sweep plans', () => {
  it('draws the book\'s random search reproducibly: lr 10^U(-6,-2), weight decay 10^U(-8,-4)', () => {
    const sweep = sweepSchema.parse({
      name: 'random search',
      base: { network: { hiddenSizes: [100, 100, 100, 100, 100, 100] } },
      parameters: [
        { kind: 'log-uniform', path: 'optimizer.lr', min: 1e-6, max: 1e-2 },
        { kind: 'log-uniform', path: 'network.weightDecay', min: 1e-8, max: 1e-4 },
      ],
      trials: 100,
      trainSubset: 500,
      epochs: 50,
    });
    const trials = [...planTrials(sweep)];
    expect(trials).toHaveLength(100);
    for (const t of trials) {
      expect(t.config.optimizer.lr).toBeGreaterThanOrEqual(1e-6);
      expect(t.config.optimizer.lr).toBeLessThanOrEqual(1e-2);
      expect(t.config.network.weightDecay).toBeGreaterThanOrEqual(1e-8);
      expect(t.config.training).toMatchObject({ trainSubset: 500, validationFraction: 0.2, epochs: 50 });
    }
    // Log-uniform: about half the draws below the geometric middle 1e-4.
    const below = trials.filter((t) => t.config.optimizer.lr < 1e-4).length;
    expect(below).toBeGreaterThan(30);
    expect(below).toBeLessThan(70);
    expect([...planTrials(sweep)].map((t) => t.parameters)).toEqual(trials.map((t) => t.parameters));
  });

  it('runs a grid as its full product, and names a bad trial config by trial and field', () => {
    const grid = sweepSchema.parse({
      parameters: [
        { kind: 'grid', path: 'optimizer.type', values: ['sgd', 'adam'] },
        { kind: 'grid', path: 'network.weightInit', values: [0.01, 'xavier', 'he'] },
      ],
    });
    expect([...planTrials(grid)].map((t) => `${t.config.optimizer.type}/${t.config.network.weightInit}`)).toEqual([
      'sgd/0.01', 'sgd/xavier', 'sgd/he', 'adam/0.01', 'adam/xavier', 'adam/he',
    ]);
    const bad = sweepSchema.parse({ parameters: [{ kind: 'grid', path: 'training.batchSize', values: [100, 0] }] });
    expect(() => [...planTrials(bad)]).toThrow('sweep trial 2: invalid config: training.batchSize');
  });

  it('refuses a random parameter without trials and an empty range', () => {
    expect(sweepSchema.safeParse({ parameters: [{ kind: 'uniform', path: 'optimizer.lr', min: 0.1, max: 0.1 }], trials: 3 }).error?.issues[0]?.message).toBe('must be above min');
    expect(sweepSchema.safeParse({ parameters: [{ kind: 'uniform', path: 'optimizer.lr', min: 0.1, max: 0.2 }] }).error?.issues[0]?.path).toEqual(['trials']);
  });

  it('finds any grid combination by mixed-radix arithmetic, in the order of the listed product', () => {
    const grid = sweepSchema.parse({
      parameters: [
        { kind: 'grid', path: 'optimizer.lr', values: [0.1, 0.01, 0.001] },
        { kind: 'grid', path: 'training.batchSize', values: [10, 20] },
        { kind: 'grid', path: 'network.hiddenSizes', values: [[5], [6, 7], [8], [9]] },
      ],
    });
    // The product as it used to be listed: the first parameter varies slowest.
    let listed: Array<Record<string, unknown>> = [{}];
    for (const p of grid.parameters) if (p.kind === 'grid') listed = listed.flatMap((c) => p.values.map((v) => ({ ...c, [p.path]: v })));
    expect(listed).toHaveLength(24);
    expect(Array.from({ length: 24 }, (_, i) => gridCombination(grid, i))).toEqual(listed);
    expect(trialCount(grid)).toBe(24);
    expect(trialCount({ ...grid, trials: 5 })).toBe(5);
  });

  it('plans one trial of a 1000 x 1000 x 1000 grid without listing it, and refuses such a grid run in full', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    const huge = sweepSchema.parse({
      parameters: ['training.batchSize', 'training.evaluateEvery', 'training.trainSubset'].map((path) => ({ kind: 'grid', path, values })),
      trials: 1,
    });
    const trials = [...planTrials(huge)];
    expect(trials.map((t) => t.parameters)).toEqual([{ 'training.batchSize': 1, 'training.evaluateEvery': 1, 'training.trainSubset': 1 }]);
    expect(gridCombination(huge, 999_999_999)).toEqual({ 'training.batchSize': 1000, 'training.evaluateEvery': 1000, 'training.trainSubset': 1000 });
    const whole = { ...huge, trials: undefined };
    expect(trialCount(whole)).toBe(1e9);
    expect(() => checkTrialCount(whole)).toThrow(`trials: the grid has 1,000,000,000 combinations; a sweep runs at most ${MAX_SWEEP_TRIALS.toLocaleString('en-US')} trials`);
    expect(() => planTrials(whole).next()).toThrow('1,000,000,000 combinations');
  });
});
