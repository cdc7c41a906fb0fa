import type { ApiResult } from '../../src-shared/api';
import { parseTrainConfig } from '../../src-shared/config';
import { errorMessage } from '../../src-shared/error-message';
import { checkTrainingBudget } from '../limits/memory-budget';
import type { ServiceContext } from './context';
import { UserError } from './errors';
import type { Handlers } from './handlers';

/** The host, the training queue (start, pause, resume, stop, continue), and config files through desktop dialogs. */
export type TrainingMethod = 'info' | 'startRun' | 'pauseRun' | 'resumeRun' | 'stopRun' | 'runQueue' | 'continueRun' | 'openConfigFile' | 'saveConfigFile';

async function openConfigFile(ctx: ServiceContext): Promise<ApiResult<'openConfigFile'>> {
  if (!ctx.hooks.openConfigDialog) throw new UserError('opening through a dialog is a desktop feature: the browser uploads the file instead');
  const chosen = await ctx.hooks.openConfigDialog();
  if (!chosen) return null;
  let json: unknown;
  try {
    json = JSON.parse(chosen.text);
  } catch (error) {
    throw new UserError(`${chosen.path}: not JSON (${errorMessage(error)})`);
  }
  return { path: chosen.path, config: parseTrainConfig(json, chosen.path) };
}

export const trainingHandlers = {
  info: async (ctx) => ctx.info,

  startRun: async (ctx, { config, name }) => {
    const parsed = parseTrainConfig(config, 'config');
    // Refused before a run folder or a process exists.
    checkTrainingBudget(parsed, ctx.memoryBudget, 'config');
    return ctx.supervisor.enqueue(parsed, name ? { name } : {});
  },

  pauseRun: async (ctx, { id }) => {
    ctx.supervisor.pause(id);
    return null;
  },

  resumeRun: async (ctx, { id }) => {
    ctx.supervisor.resume(id);
    return null;
  },

  stopRun: async (ctx, { id }) => {
    await ctx.supervisor.stop(id);
    return null;
  },

  runQueue: async (ctx) => ctx.supervisor.queueState(),

  continueRun: async (ctx, { id }) => {
    const record = await ctx.store.get(id);
    checkTrainingBudget(record.config, ctx.memoryBudget, `run "${record.name}"`);
    return ctx.supervisor.resumeRun(id);
  },

  openConfigFile: (ctx) => openConfigFile(ctx),

  saveConfigFile: async (ctx, { config, suggestedName }) => {
    if (!ctx.hooks.saveConfigDialog) throw new UserError('saving through a dialog is a desktop feature: the browser downloads the file instead');
    const parsed = parseTrainConfig(config, 'config');
    const path = await ctx.hooks.saveConfigDialog(suggestedName ?? 'network.json', `${JSON.stringify(parsed, null, 2)}\n`);
    return path ? { path } : null;
  },
} satisfies Handlers<TrainingMethod>;
