import { performance } from 'node:perf_hooks';
import { GRADIENT_CHECK_CANCELLED } from '../../src-shared/api';
import { parseTrainConfig } from '../../src-shared/config';
import { checkGradientCheckBudget, checkLayerGraphBudget } from '../limits/memory-budget';
import { requestFromTrainer, TrainerRequestCancelled } from '../trainers/trainer-requests';
import { UserError } from './errors';
import type { Handlers } from './handlers';

/**
 * The network's layers and gradients, each computed in a short-lived trainer process (building a big network
 * must not stall the host): one forward/backward trace for the Graph view, and the gradient check. Both are
 * checked against the memory budget before a process starts, and share the host's few helper slots.
 */
export type GraphMethod = 'layerGraph' | 'gradientCheck' | 'cancelGradientCheck';

export const graphHandlers = {
  layerGraph: async (ctx, { config, batchSize }) => {
    const parsed = parseTrainConfig(config, 'config');
    checkLayerGraphBudget(parsed, batchSize, ctx.memoryBudget);
    return ctx.helpers.run('layerGraph', async () => {
      const process = ctx.trainerFactory();
      try {
        return (await requestFromTrainer(process, { type: 'layerGraph', config: parsed, batchSize }, 'layerGraph', { timeoutMs: 120_000 })).trace;
      } finally {
        process.kill();
      }
    });
  },

  gradientCheck: async (ctx, { config, samples }) => {
    const parsed = parseTrainConfig(config, 'config');
    checkGradientCheckBudget(parsed, samples, ctx.memoryBudget);
    return ctx.gradientCheck.run('a gradient check is already running', async (signal) => {
      try {
        return await ctx.helpers.run(
          'gradientCheck',
          async () => {
            const process = ctx.trainerFactory();
            const started = performance.now();
            try {
              // No time limit: a big network in float64 takes minutes, and the user can cancel it.
              const reply = await requestFromTrainer(process, { type: 'gradientCheck', config: parsed, samples }, 'gradientCheck', { timeoutMs: 0, signal });
              return { differences: reply.differences, bound: reply.bound, seconds: (performance.now() - started) / 1000 };
            } finally {
              process.kill();
            }
          },
          signal,
        );
      } catch (error) {
        if (error instanceof TrainerRequestCancelled || signal.aborted) throw new UserError(GRADIENT_CHECK_CANCELLED);
        throw error;
      }
    });
  },

  cancelGradientCheck: async (ctx) => {
    ctx.gradientCheck.cancel();
    return null;
  },
} satisfies Handlers<GraphMethod>;
