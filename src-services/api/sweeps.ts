import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiResult } from '../../src-shared/api';
import { ConfigError, configIssues, parseTrainConfig } from '../../src-shared/config';
import { errorMessage } from '../../src-shared/error-message';
import { sweepSchema } from '../../src-shared/sweep';
import { projectRoot } from '../data/load-dataset';
import { checkTrainingBudget } from '../limits/memory-budget';
import { trialCount } from '../sweeps/sweep-plan';
import type { ServiceContext } from './context';
import { UserError } from './errors';
import type { Handlers } from './handlers';

/** Hyperparameter sweeps (chapter 6.5): presets, the stored ones, start, cancel, resume, and promoting a trial. */
export type SweepsMethod = 'sweepPresets' | 'listSweeps' | 'startSweep' | 'cancelSweep' | 'resumeSweep' | 'promoteTrial';

/** Starts a sweep in the background; the UI follows its trials through the runs' events. */
function runInBackground(ctx: ServiceContext, id: string, run: (signal: AbortSignal) => Promise<unknown>): void {
  const controller = new AbortController();
  ctx.activeSweeps.set(id, controller);
  ctx.emit({ type: 'sweep', id, active: true });
  void run(controller.signal)
    .catch((error: unknown) => ctx.emit({ type: 'log', runId: '', level: 'error', message: `sweep ${id}: ${errorMessage(error)}` }))
    .finally(() => {
      ctx.activeSweeps.delete(id);
      ctx.emit({ type: 'sweep', id, active: false });
    });
}

async function sweepPresets(): Promise<ApiResult<'sweepPresets'>> {
  const dir = join(projectRoot(), 'resources', 'sweeps');
  const files = (await readdir(dir).catch((): string[] => [])).filter((f) => f.endsWith('.json')).sort();
  const presets: ApiResult<'sweepPresets'> = [];
  for (const file of files) {
    const parsed = sweepSchema.safeParse(JSON.parse(await readFile(join(dir, file), 'utf8')));
    if (parsed.success) presets.push({ file, sweep: parsed.data });
  }
  return presets;
}

export const sweepsHandlers = {
  sweepPresets: () => sweepPresets(),

  listSweeps: async (ctx) => {
    const defs = await ctx.sweeps.list();
    // Counted by arithmetic, never listed: a stored grid may have far more combinations than it runs.
    return defs.map(({ id, sweep }) => ({ id, sweep, trials: trialCount(sweep), active: ctx.activeSweeps.has(id) }));
  },

  startSweep: async (ctx, { sweep }) => {
    const parsed = sweepSchema.safeParse(sweep);
    if (!parsed.success) throw new ConfigError(configIssues(parsed.error), 'sweep');
    const id = await ctx.sweeps.prepare(parsed.data);
    runInBackground(ctx, id, (signal) => ctx.sweeps.run(id, parsed.data, { signal }));
    return { id };
  },

  cancelSweep: async (ctx, { id }) => {
    const controller = ctx.activeSweeps.get(id);
    if (!controller) throw new UserError(`sweep ${id} is not running`);
    controller.abort();
    return null;
  },

  resumeSweep: async (ctx, { id }) => {
    if (ctx.activeSweeps.has(id)) throw new UserError(`sweep ${id} is already running`);
    // A stored definition is refused as a new one would be (too many trials, over budget), before it starts.
    await ctx.sweeps.check(await ctx.sweeps.definition(id));
    runInBackground(ctx, id, (signal) => ctx.sweeps.resume(id, { signal }));
    return { id };
  },

  /** Retrains a trial's config on the full training set (no subset, no hold-out). */
  promoteTrial: async (ctx, { id }) => {
    const record = await ctx.store.get(id);
    const { trainSubset: _subset, validationFraction: _fraction, ...training } = record.config.training;
    const name = `${record.sweep?.name ?? record.name} — promoted #${(record.sweep?.trial ?? 0) + 1}`;
    const config = parseTrainConfig({ ...record.config, name, training }, 'promoted config');
    checkTrainingBudget(config, ctx.memoryBudget, 'promoted config');
    return ctx.supervisor.enqueue(config, { name });
  },
} satisfies Handlers<SweepsMethod>;
