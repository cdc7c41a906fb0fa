import { describe, expect, it } from 'vitest';
import { sweepSchema } from '../../src-shared/sweep';
import { planTrials } from './sweep-plan';

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
    const trials = planTrials(sweep);
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
    expect(planTrials(sweep).map((t) => t.parameters)).toEqual(trials.map((t) => t.parameters));
  });

  it('runs a grid as its full product, and names a bad trial config by trial and field', () => {
    const grid = sweepSchema.parse({
      parameters: [
        { kind: 'grid', path: 'optimizer.type', values: ['sgd', 'adam'] },
        { kind: 'grid', path: 'network.weightInit', values: [0.01, 'xavier', 'he'] },
      ],
    });
    expect(planTrials(grid).map((t) => `${t.config.optimizer.type}/${t.config.network.weightInit}`)).toEqual([
      'sgd/0.01', 'sgd/xavier', 'sgd/he', 'adam/0.01', 'adam/xavier', 'adam/he',
    ]);
    const bad = sweepSchema.parse({ parameters: [{ kind: 'grid', path: 'training.batchSize', values: [100, 0] }] });
    expect(() => planTrials(bad)).toThrow('sweep trial 2: invalid config: training.batchSize');
  });

  it('refuses a random parameter without trials and an empty range', () => {
    expect(sweepSchema.safeParse({ parameters: [{ kind: 'uniform', path: 'optimizer.lr', min: 0.1, max: 0.1 }], trials: 3 }).error?.issues[0]?.message).toBe('must be above min');
    expect(sweepSchema.safeParse({ parameters: [{ kind: 'uniform', path: 'optimizer.lr', min: 0.1, max: 0.2 }] }).error?.issues[0]?.path).toEqual(['trials']);
  });
});
