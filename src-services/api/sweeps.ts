import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiResult } from '../../src-shared/api';
import { ConfigError, configIssues, parseTrainConfig } from '../../src-shared/config';
import { errorMessage } from '../../src-shared/error-message';
import { sweepSchema } from '../../src-shared/sweep';
import { projectRoot } from '../data/load-dataset';
import { checkTrainingBudget } from '../limits/memory-budget';
import type { QueueSweep, QueueSweepOptions } from '../queue/queue-sweep';
import { trialCount } from '../sweeps/sweep-plan';
import type { ServiceContext } from './context';
import { UserError } from './errors';
import type { Handlers } from './handlers';

/** Hyperparameter sweeps (chapter 6.5): presets, the stored ones, start, cancel, resume, and promoting a trial. */
export type SweepsMethod = 'sweepPresets' | 'listSweeps' | 'startSweep' | 'cancelSweep' | 'resumeSweep' | 'sweepQueue' | 'promoteTrial';

/** The host's job queue, or a plain refusal when it was started without one. */
function queueOf(ctx: ServiceContext): QueueSweep {
  if (!ctx.sweepQueue) throw new UserError('this host has no job queue: start it with --queue redis://HOST:PORT to run sweeps on workers');
  return ctx.sweepQueue;
}

/** What a queued sweep reports as it goes: each run it writes (the views follow them live), and its warnings. */
const queueReports = (ctx: ServiceContext, id: string): QueueSweepOptions => ({
  onRecord: (record) => ctx.emit({ type: 'run', record }),
  onWarning: (message) => ctx.emit({ type: 'log', runId: '', level: 'warn', message: `sweep ${id}: ${message}` }),
});

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

  startSweep: async (ctx, { sweep, onQueue }) => {
    const parsed = sweepSchema.safeParse(sweep);
    if (!parsed.success) throw new ConfigError(configIssues(parsed.error), 'sweep');
    if (onQueue) {
      const queue = queueOf(ctx);
      // Refused here, with nothing stored, when the server cannot be reached or the sweep does not check.
      const id = await queue.prepare(parsed.data);
      runInBackground(ctx, id, (signal) => queue.run(id, parsed.data, { signal, ...queueReports(ctx, id) }));
      return { id };
    }
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

  resumeSweep: async (ctx, { id, onQueue }) => {
    if (ctx.activeSweeps.has(id)) throw new UserError(`sweep ${id} is already running`);
    // A stored definition is refused as a new one would be (too many trials, over budget), before it starts.
    await ctx.sweeps.check(await ctx.sweeps.definition(id), onQueue ? { concurrency: 1 } : {});
    if (onQueue) {
      const queue = queueOf(ctx);
      await queue.reachable();
      runInBackground(ctx, id, (signal) => queue.resume(id, { signal, ...queueReports(ctx, id) }));
      return { id };
    }
    runInBackground(ctx, id, (signal) => ctx.sweeps.resume(id, { signal }));
    return { id };
  },

  sweepQueue: async (ctx) => {
    if (!ctx.sweepQueue) return { url: null, workers: [], problem: null };
    try {
      return { url: ctx.sweepQueue.shown, workers: await ctx.sweepQueue.workers(), problem: null };
    } catch (error) {
      return { url: ctx.sweepQueue.shown, workers: [], problem: errorMessage(error) };
    }
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
