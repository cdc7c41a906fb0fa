import { ConfigError, parseTrainConfig, type TrainConfig } from '../../src-shared/config';
import type { Sweep, SweepTag } from '../../src-shared/sweep';
import { Rng } from '../../src-engine/rng';

export interface PlannedTrial {
  readonly trial: number;
  readonly parameters: SweepTag['parameters'];
  readonly config: TrainConfig;
}

type Value = SweepTag['parameters'][string];

/** The most trials one sweep runs (the schema's bound on `trials`, which a pure grid's product must meet too). */
export const MAX_SWEEP_TRIALS = 10_000;

function setPath(target: Record<string, unknown>, path: string, value: Value): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = next && typeof next === 'object' && !Array.isArray(next) ? (next as Record<string, unknown>) : (node[key] = {});
  }
  node[keys.at(-1)!] = value;
}

const gridParameters = (sweep: Sweep) => sweep.parameters.flatMap((p) => (p.kind === 'grid' ? [p] : []));
const randomParameters = (sweep: Sweep) => sweep.parameters.flatMap((p) => (p.kind === 'grid' ? [] : [p]));

/** Combinations in the grid: the product of its value counts (a double: 20 lists of 1000 is 1e60, still exact enough to compare). */
function gridSize(sweep: Sweep): number {
  return gridParameters(sweep).reduce((product, p) => product * p.values.length, 1);
}

/** Trials the sweep runs, computed without listing them: the random draws asked for, or the grid capped by `trials`. */
export function trialCount(sweep: Sweep): number {
  if (randomParameters(sweep).length > 0) return sweep.trials ?? 0;
  return Math.min(gridSize(sweep), sweep.trials ?? Number.POSITIVE_INFINITY);
}

/** Refuses, in words, a sweep of more than MAX_SWEEP_TRIALS trials (a pure grid whose product is too large). */
export function checkTrialCount(sweep: Sweep): number {
  const count = trialCount(sweep);
  if (count > MAX_SWEEP_TRIALS) {
    const combinations = gridSize(sweep).toLocaleString('en-US', { maximumFractionDigits: 0 });
    throw new ConfigError(
      [{ field: 'trials', message: `the grid has ${combinations} combinations; a sweep runs at most ${MAX_SWEEP_TRIALS.toLocaleString('en-US')} trials: give trials to run the first ones, or list fewer values` }],
      'sweep',
    );
  }
  return count;
}

/**
 * Combination `index` of the grid, by mixed-radix arithmetic (the first parameter varies slowest), so no
 * product is ever listed.
 */
export function gridCombination(sweep: Sweep, index: number): Record<string, Value> {
  const grid = gridParameters(sweep);
  const combination: Record<string, Value> = {};
  let rest = index % gridSize(sweep);
  for (let i = grid.length - 1; i >= 0; i--) {
    const p = grid[i]!;
    combination[p.path] = p.values[rest % p.values.length]!;
    rest = Math.floor(rest / p.values.length);
  }
  // Keys in the parameters' order, as a listed product had them.
  return Object.fromEntries(grid.map((p) => [p.path, combination[p.path]!]));
}

function trialConfig(sweep: Sweep, trial: number, parameters: Record<string, Value>): TrainConfig {
  const input = structuredClone(sweep.base) as Record<string, unknown>;
  const training = (input.training && typeof input.training === 'object' ? input.training : (input.training = {})) as Record<string, unknown>;
  if (sweep.trainSubset !== undefined) training.trainSubset = sweep.trainSubset;
  training.validationFraction = sweep.validationFraction;
  if (sweep.epochs !== undefined) {
    training.epochs = sweep.epochs;
    delete training.iterations;
  }
  input.seed = sweep.seed;
  // A varied optimizer field needs the rule it belongs to: the schema's default optimizer, SGD.
  const optimizer = input.optimizer && typeof input.optimizer === 'object' ? (input.optimizer as Record<string, unknown>) : (input.optimizer = {});
  optimizer.type ??= 'sgd';
  for (const [path, value] of Object.entries(parameters)) setPath(input, path, value);
  input.name = `${sweep.name} #${trial + 1}`;
  return parseTrainConfig(input, `${sweep.name} trial ${trial + 1}`);
}

/**
 * The trials of a sweep, one at a time, each a validated config. Random parameters are drawn from one seeded
 * stream, so a sweep is reproducible; every trial shares the seed, hence the same validation split and initial
 * weights, and differs only in what the sweep varies. Refuses a sweep of more than MAX_SWEEP_TRIALS trials.
 */
export function* planTrials(sweep: Sweep): Generator<PlannedTrial, void, undefined> {
  const random = randomParameters(sweep);
  const count = checkTrialCount(sweep);
  const rng = new Rng(sweep.seed);
  for (let trial = 0; trial < count; trial++) {
    const parameters = gridCombination(sweep, trial);
    for (const p of random) {
      const u = rng.uniform();
      parameters[p.path] = p.kind === 'uniform' ? p.min + (p.max - p.min) * u : 10 ** (Math.log10(p.min) + (Math.log10(p.max) - Math.log10(p.min)) * u);
    }
    yield { trial, parameters, config: trialConfig(sweep, trial, parameters) };
  }
}
