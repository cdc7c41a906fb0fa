import { z } from 'zod';

/**
 * A hyperparameter sweep (chapter 6.5): a base config, the parameters to vary (grid lists, or random draws
 * from uniform / log-uniform ranges), trials, the training subset and its shuffled validation hold-out, and
 * a seed. Trials are ordinary runs, tagged with the sweep's id, trained in parallel trainer processes.
 */

/** Dotted path into the config, e.g. "optimizer.lr", "network.weightDecay", "network.hiddenSizes". */
const parameterPath = z.string().regex(/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/, 'must be a dotted config path such as optimizer.lr');
const scalar = z.union([z.number().finite(), z.string(), z.boolean(), z.array(z.number().int())]);

const sweepParameterSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('grid'), path: parameterPath, values: z.array(scalar).min(1).max(1000) }).strict(),
  z.object({ kind: z.literal('uniform'), path: parameterPath, min: z.number().finite(), max: z.number().finite() }).strict(),
  /** 10^U(log10 min, log10 max), e.g. lr 10^U(-6,-2): give min 1e-6, max 1e-2. */
  z.object({ kind: z.literal('log-uniform'), path: parameterPath, min: z.number().positive(), max: z.number().positive() }).strict(),
]);
export type SweepParameter = z.infer<typeof sweepParameterSchema>;

export const sweepSchema = z
  .object({
    name: z.string().trim().min(1).max(200).default('sweep'),
    /** The config every trial starts from (the shared config schema; validated per trial). */
    base: z.record(z.string(), z.unknown()).default({}),
    parameters: z.array(sweepParameterSchema).min(1).max(20),
    /** Random draws per sweep; a pure grid runs its full product (and ignores this unless it is smaller). */
    trials: z.number().int().min(1).max(10_000).optional(),
    /** Training samples (the book uses 500 for its random search). */
    trainSubset: z.number().int().min(2).optional(),
    /** Held-out share of the training subset, shuffled with the seed (the book: 0.2). */
    validationFraction: z.number().min(0).max(0.9).default(0.2),
    epochs: z.number().positive().max(100_000).optional(),
    seed: z.number().int().min(0).max(0xffffffff).default(0),
    /** Trials training at once; at most the host's own limit (default: one per core). */
    concurrency: z.number().int().min(1).max(256).optional(),
  })
  .strict()
  .superRefine((sweep, ctx) => {
    sweep.parameters.forEach((p, i) => {
      if (p.kind !== 'grid' && !(p.max > p.min)) ctx.addIssue({ code: 'custom', path: ['parameters', i, 'max'], message: 'must be above min' });
    });
    const paths = sweep.parameters.map((p) => p.path);
    const duplicate = paths.find((p, i) => paths.indexOf(p) !== i);
    if (duplicate) ctx.addIssue({ code: 'custom', path: ['parameters'], message: `${duplicate} is varied twice` });
    if (sweep.parameters.some((p) => p.kind !== 'grid') && sweep.trials === undefined) {
      ctx.addIssue({ code: 'custom', path: ['trials'], message: 'random parameters need a number of trials' });
    }
  });
export type Sweep = z.infer<typeof sweepSchema>;

/** A sweep as the run store keeps it (sweep-<id>.json). */
export interface StoredSweep {
  readonly id: string;
  readonly sweep: Sweep;
}

/** What a trial run records about its place in a sweep (run.json's `sweep`). */
export const sweepTagSchema = z.object({
  id: z.string(),
  name: z.string(),
  trial: z.number().int().min(0),
  parameters: z.record(z.string(), scalar),
});
export type SweepTag = z.infer<typeof sweepTagSchema>;
