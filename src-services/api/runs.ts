import { weightHistograms } from '../../src-engine/experiments/weight-histograms';
import type { WeightHistograms, WeightTiles } from '../../src-shared/api';
import { checkLayerGraphBudget } from '../limits/memory-budget';
import { requestFromTrainer } from '../trainers/trainer-requests';
import type { ServiceContext } from './context';
import { UserError } from './errors';
import type { Handlers } from './handlers';
import { weightTilesOf } from './weight-tiles';
import { networkClasses } from '../../src-shared/network-config';

/** The stored runs: listing, metrics, renaming, deleting, and what their networks hold and predict. */
export type RunsMethod = 'listRuns' | 'runMetrics' | 'runCurve' | 'renameRun' | 'deleteRun' | 'openRunFolder' | 'predict' | 'inputGradient' | 'firstLayerWeights' | 'activationHistograms' | 'weightHistograms';

/**
 * The first layer's weights, one tile per hidden unit (per filter for a convolution): from the live network while it trains, else the
 * checkpoint; null while there are none yet (queued, its trainer still starting, no checkpoint saved).
 */
async function firstLayerWeights(ctx: ServiceContext, id: string, units: number): Promise<WeightTiles | null> {
  const live = ctx.supervisor.readyProcessOf(id);
  let shape: readonly number[];
  let values: ArrayLike<number>;
  let iteration: number | null = null;
  if (live) {
    const reply = await requestFromTrainer(live, { type: 'exportWeights' }, 'weights', { timeoutMs: 10_000 });
    const w1 = reply.tensors.find((t) => t.name === 'W1');
    if (!w1) throw new UserError('the network has no first-layer weights');
    shape = w1.shape;
    values = w1.data;
  } else {
    await ctx.store.get(id);
    const checkpoint = await ctx.store.readCheckpoint(id);
    if (!checkpoint) return null;
    const w1 = checkpoint.tensors.W1;
    if (!w1) throw new UserError(`run ${id}'s checkpoint has no first-layer weights`);
    shape = w1.shape;
    values = w1.data;
    iteration = typeof checkpoint.meta.iteration === 'number' ? checkpoint.meta.iteration : null;
  }
  return weightTilesOf(shape, values, units, iteration);
}

/** Each affine layer's weight histogram, from the live network while it trains, else the checkpoint; null while there are none. */
async function runWeightHistograms(ctx: ServiceContext, id: string, bins: number): Promise<WeightHistograms | null> {
  const live = ctx.supervisor.readyProcessOf(id);
  if (live) {
    const reply = await requestFromTrainer(live, { type: 'weightHistograms', bins }, 'weightHistograms', { timeoutMs: 10_000 });
    return { layers: reply.layers, iteration: null };
  }
  await ctx.store.get(id);
  const checkpoint = await ctx.store.readCheckpoint(id);
  if (!checkpoint) return null;
  const iteration = typeof checkpoint.meta.iteration === 'number' ? checkpoint.meta.iteration : null;
  return { layers: weightHistograms(checkpoint.tensors, bins), iteration };
}

export const runsHandlers = {
  listRuns: (ctx) => ctx.store.list(),

  runMetrics: (ctx, { id }) => ctx.store.metrics(id),

  runCurve: (ctx, { id, ...request }) => ctx.store.curve(id, request),

  renameRun: async (ctx, { id, name }) => {
    const record = await ctx.store.rename(id, name);
    ctx.emit({ type: 'run', record });
    return record;
  },

  deleteRun: async (ctx, { id }) => {
    if (ctx.supervisor.activeRunIds.includes(id) || ctx.supervisor.queuedRunIds.includes(id)) {
      throw new UserError(`run ${id} is still active: stop it before deleting it`);
    }
    await ctx.predictors.drop(id);
    await ctx.store.delete(id);
    ctx.emit({ type: 'runDeleted', id });
    return null;
  },

  openRunFolder: async (ctx, { id }) => {
    await ctx.store.get(id);
    const path = ctx.store.directory(id);
    const opened = ctx.hooks.openFolder ? await ctx.hooks.openFolder(path) : false;
    return { path, opened };
  },

  predict: async (ctx, { id, pixels }) => {
    const inputs = await ctx.predictors.inputSize(id);
    if (pixels.length !== inputs) throw new UserError(`predict: ${pixels.length} pixels given, run ${id} takes ${inputs}`);
    const process = await ctx.predictors.processFor(id);
    const reply = await requestFromTrainer(process, { type: 'predict', images: Float32Array.from(pixels), rows: 1 }, 'prediction', { timeoutMs: 30_000 });
    return { probabilities: Array.from(reply.probabilities) };
  },

  inputGradient: async (ctx, { id, pixels, classIndex }) => {
    const inputs = await ctx.predictors.inputSize(id);
    if (pixels.length !== inputs) throw new UserError(`inputGradient: ${pixels.length} pixels given, run ${id} takes ${inputs}`);
    if (classIndex !== undefined) {
      const classes = networkClasses((await ctx.store.get(id)).config.network);
      if (classIndex >= classes) throw new UserError(`inputGradient: class ${classIndex} given, run ${id} has classes 0..${classes - 1}`);
    }
    const process = await ctx.predictors.processFor(id);
    const command = { type: 'inputGradient' as const, pixels: Float32Array.from(pixels), classIndex };
    const reply = await requestFromTrainer(process, command, 'inputGradient', { timeoutMs: 30_000 });
    return { gradient: Array.from(reply.gradient), classIndex: reply.classIndex, probabilities: Array.from(reply.probabilities) };
  },

  firstLayerWeights: (ctx, { id, units }) => firstLayerWeights(ctx, id, units),

  weightHistograms: (ctx, { id, bins }) => runWeightHistograms(ctx, id, bins),

  activationHistograms: async (ctx, { id, samples }) => {
    const record = await ctx.store.get(id);
    // One forward pass of `samples` images: within what the Graph view's trace of as many images may take.
    checkLayerGraphBudget(record.config, samples, ctx.memoryBudget, `run "${record.name}"`);
    const process = await ctx.predictors.processFor(id);
    const reply = await requestFromTrainer(process, { type: 'activationHistograms', samples }, 'activationHistograms', { timeoutMs: 60_000 });
    return reply.activations;
  },
} satisfies Handlers<RunsMethod>;
