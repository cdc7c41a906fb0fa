import { performance } from 'node:perf_hooks';
import { GRADIENT_CHECK_CANCELLED } from '../../src-shared/api';
import { parseTrainConfig } from '../../src-shared/config';
import { checkGradientCheckBudget, checkLayerGraphBudget } from '../limits/memory-budget';
import type { TrainerProcess } from '../trainers/trainer-process';
import { requestFromTrainer, TrainerRequestCancelled } from '../trainers/trainer-requests';
import type { ServiceContext } from './context';
import { UserError } from './errors';
import type { Handlers } from './handlers';

/**
 * The network's layers and gradients, each computed in a short-lived trainer process (building a big network
 * must not stall the host): one forward/backward trace for the Graph view, and the gradient check. Both are
 * checked against the memory budget before a process starts, and share the host's few helper slots.
 */
export type GraphMethod = 'layerGraph' | 'gradientCheck' | 'cancelGradientCheck';

/** A helper that ignores SIGTERM this long gets SIGKILL: its slot must come back. */
const KILL_GRACE_MS = 5000;

/** Runs `job` with a helper process of its own, in one of the host's helper slots, held until the process has exited. */
function withHelperProcess<T>(ctx: ServiceContext, what: string, job: (process: TrainerProcess) => Promise<T>, signal?: AbortSignal): Promise<T> {
  return ctx.helpers.run(
    what,
    async () => {
      const process = ctx.trainerFactory();
      const exited = new Promise<void>((resolve) => process.onExit(() => resolve()));
      try {
        return await job(process);
      } finally {
        process.kill();
        const escalate = setTimeout(() => process.kill('SIGKILL'), KILL_GRACE_MS);
        await exited;
        clearTimeout(escalate);
      }
    },
    signal,
  );
}

export const graphHandlers = {
  layerGraph: async (ctx, { config, batchSize }) => {
    const parsed = parseTrainConfig(config, 'config');
    checkLayerGraphBudget(parsed, batchSize, ctx.memoryBudget, 'config');
    return withHelperProcess(ctx, 'layerGraph', async (process) => {
      const reply = await requestFromTrainer(process, { type: 'layerGraph', config: parsed, batchSize }, 'layerGraph', { timeoutMs: 120_000 });
      return reply.trace;
    });
  },

  gradientCheck: async (ctx, { config, samples }) => {
    const parsed = parseTrainConfig(config, 'config');
    checkGradientCheckBudget(parsed, samples, ctx.memoryBudget, 'config');
    return ctx.gradientCheck.run('a gradient check is already running', async (signal) => {
      try {
        return await withHelperProcess(
          ctx,
          'gradientCheck',
          async (process) => {
            const started = performance.now();
            // No time limit: a big network in float64 takes minutes, and the user can cancel it.
            const reply = await requestFromTrainer(process, { type: 'gradientCheck', config: parsed, samples }, 'gradientCheck', { timeoutMs: 0, signal });
            return { differences: reply.differences, bound: reply.bound, seconds: (performance.now() - started) / 1000 };
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
