import { parseTrainConfig, type TrainConfig } from '../../src-shared/config';
import type { Sweep, SweepTag } from '../../src-shared/sweep';
import { Rng } from '../../src-engine/rng';

export interface PlannedTrial {
  readonly trial: number;
  readonly parameters: SweepTag['parameters'];
  readonly config: TrainConfig;
}

type Value = SweepTag['parameters'][string];

function setPath(target: Record<string, unknown>, path: string, value: Value): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = next && typeof next === 'object' && !Array.isArray(next) ? (next as Record<string, unknown>) : (node[key] = {});
  }
  node[keys.at(-1)!] = value;
}

/** Every combination of the grid parameters, in order (the first parameter varies slowest). */
function gridProduct(sweep: Sweep): Array<Record<string, Value>> {
  let combos: Array<Record<string, Value>> = [{}];
  for (const p of sweep.parameters) {
    if (p.kind !== 'grid') continue;
    combos = combos.flatMap((c) => p.values.map((v) => ({ ...c, [p.path]: v })));
  }
  return combos;
}

/**
 * The trials of a sweep, each a validated config. Random parameters are drawn from one seeded stream, so a
 * sweep is reproducible; every trial shares the seed, hence the same validation split and initial weights,
 * and differs only in what the sweep varies.
 */
export function planTrials(sweep: Sweep): PlannedTrial[] {
  const grid = gridProduct(sweep);
  const random = sweep.parameters.filter((p) => p.kind !== 'grid');
  const count = random.length ? sweep.trials! : Math.min(grid.length, sweep.trials ?? grid.length);
  const rng = new Rng(sweep.seed);
  const trials: PlannedTrial[] = [];
  for (let trial = 0; trial < count; trial++) {
    const parameters: Record<string, Value> = { ...grid[trial % grid.length] };
    for (const p of random) {
      const u = rng.uniform();
      parameters[p.path] = p.kind === 'uniform' ? p.min + (p.max - p.min) * u : 10 ** (Math.log10(p.min) + (Math.log10(p.max) - Math.log10(p.min)) * u);
    }
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
    trials.push({ trial, parameters, config: parseTrainConfig(input, `${sweep.name} trial ${trial + 1}`) });
  }
  return trials;
}
