import type { Backend } from '../backend';
import type { Dataset, DatasetSplit } from '../dataset';
import { createNetwork } from '../networks/create-network';
import { layerListPerSample } from '../networks/layer-list-memory';
import { isLayerListSpec, type AnyNetworkSpec, type TrainableNetwork } from '../networks/trainable-network';
import { createOptimizer, type Optimizer } from '../optimizers';
import { Rng } from '../rng';
import type { Tensor } from '../tensor';
import { BatchSampler } from './batch-sampler';
import { restoreSnapshot, takeSnapshot, type TrainerSnapshot, type TrainerSnapshotMeta, type TrainingState } from './checkpoint-state';
import { EVALUATION_CHUNK, evaluationChunkRows } from './evaluation';
import type { EvaluationRecord } from './evaluation-record';
import { Evaluator } from './evaluator';
import { measureGradientFlow, type LayerGradientFlow } from './gradient-flow';
import { holdOutValidation } from './hold-out';
import { resolveInputFormat, splitImages, type InputFormat, type SplitImages } from './split-images';
import { iterationsPerEpoch, totalIterations, type TrainSpec } from './train-spec';
import { TrainingRun, type RunOptions, type TrainingCallbacks, type TrainingResult } from './training-run';


export interface TrainerOptions {
  readonly input?: InputFormat;
  /**
   * Evaluate on a copy of the weights while training goes on (default true; used when the backend has
   * background kernels). The records are the same; they arrive some steps later.
   */
  readonly backgroundEvaluation?: boolean;
  /** Milliseconds, for the timings the trainer reports (default performance.now; tests inject their own). */
  readonly clock?: () => number;
}


export interface StepOutcome {
  /** 0-based index of the update just made (the book's i). */
  readonly iteration: number;
  readonly loss: number;
  readonly diverged: boolean;
  /** An evaluation that finished during this step: of this iteration, or of an earlier one when evaluations run in the background. */
  readonly evaluation?: EvaluationRecord;
  /** Seconds this step spent on evaluations on the calling thread. */
  readonly evaluationSeconds?: number;
}


function checkFits(network: AnyNetworkSpec, dataset: Dataset): void {
  const { rows, cols } = dataset.train;
  if (isLayerListSpec(network)) {
    const [c, h, w] = network.input;
    if (c !== 1 || h !== rows || w !== cols) throw new RangeError(`network.input is (${c}, ${h}, ${w}) but ${dataset.name} images are (1, ${rows}, ${cols})`);
  } else if (network.inputSize !== rows * cols) {
    throw new RangeError(`network.inputSize is ${network.inputSize} but ${dataset.name} images have ${rows}x${cols} = ${rows * cols} pixels`);
  }
  const [field, classes] = isLayerListSpec(network) ? ['network.output', network.output] : ['network.outputSize', network.outputSize];
  if (dataset.classes > classes) throw new RangeError(`${field} is ${classes} but ${dataset.name} has ${dataset.classes} classes`);
}

/**
 * How batches reach the first layer: only a first Affine reads sparse rows (a convolution reads images), so
 * other networks take dense input, and refuse a sparse one asked for by name.
 */
function inputFormatFor(net: TrainableNetwork, format: InputFormat, train: DatasetSplit, count: number): 'sparse' | 'dense' {
  if (net.firstAffine) return resolveInputFormat(format, train, count);
  if (format === 'sparse') throw new RangeError('input "sparse" needs a network whose first layer is an affine: this one starts with a convolution or pooling, use "dense" or "auto"');
  return 'dense';
}

/**
 * The training loop of the book's train_neuralnet.py / Trainer: draw a batch, backprop, update, record the
 * loss, and measure both splits on the book's schedule (every epoch: iteration % iter_per_epoch == 0, the
 * first included). Config is the caller's spec type (the app's config carries more than the engine reads).
 */
export class Trainer<Config extends TrainSpec = TrainSpec> {
  readonly config: Config;
  readonly net: TrainableNetwork;
  readonly backend: Backend;
  readonly rng: Rng;
  readonly totalIterations: number;
  readonly iterationsPerEpoch: number;
  /** How batches reach the first layer (TrainerOptions.input resolved for this dataset). */
  readonly inputFormat: 'sparse' | 'dense';
  /** Updates done so far. */
  iteration = 0;
  private readonly optimizer: Optimizer;
  private readonly sampler: BatchSampler;
  private readonly trainImages: SplitImages;
  private readonly labels: Int32Array;
  private readonly evaluator: Evaluator;
  private readonly clock: () => number;
  /** The gradient flow of the last update that an evaluation follows, and the iteration (updates made) it led to. */
  private gradientFlow: { readonly iteration: number; readonly layers: readonly LayerGradientFlow[] } | undefined;

  constructor(config: Config, source: Dataset, backend: Backend, options: TrainerOptions = {}) {
    this.config = config;
    this.backend = backend;
    const { network, training } = config;
    const dataset = training.validationFraction > 0 ? holdOutValidation(source, config) : source;
    checkFits(network, dataset);
    const trainCount = Math.min(training.trainSubset ?? dataset.train.count, dataset.train.count);
    this.totalIterations = totalIterations(training, trainCount);
    this.iterationsPerEpoch = iterationsPerEpoch(training, trainCount);
    this.rng = new Rng(config.seed);
    this.net = createNetwork(network, { backend, dtype: config.dtype, rng: this.rng });
    this.optimizer = createOptimizer(config.optimizer, this.net.ops);
    this.inputFormat = inputFormatFor(this.net, options.input ?? 'auto', dataset.train, trainCount);
    const imagesOf = (split: DatasetSplit): SplitImages => splitImages(split, this.inputFormat, this.net.ops, config.dtype);
    this.trainImages = imagesOf(dataset.train);
    this.labels = new Int32Array(training.batchSize);
    this.sampler = new BatchSampler(this.rng, trainCount, training.batchSize, training.sampling);
    this.clock = options.clock ?? (() => performance.now());
    const limit = training.evaluationSamples;
    const splits = [
      { images: imagesOf(dataset.train), count: Math.min(limit ?? trainCount, trainCount) },
      { images: imagesOf(dataset.test), count: Math.min(limit ?? dataset.test.count, dataset.test.count) },
    ] as const;
    const background = options.backgroundEvaluation ?? true ? backend.background : undefined;
    // A layer list's chunks are bounded in bytes (a convolution's im2col buffer grows with them); an MLP's are EVALUATION_CHUNK rows.
    const chunkRows = isLayerListSpec(network) ? evaluationChunkRows(layerListPerSample(network, false), config.dtype) : EVALUATION_CHUNK;
    this.evaluator = new Evaluator(this.net, splits, { iterationsPerEpoch: this.iterationsPerEpoch, background, clock: this.clock, chunkRows });
  }

  /** Training-set indices of the last minibatch (the same array every step). */
  get lastBatchIndices(): Int32Array {
    return this.sampler.batch;
  }

  /** Whether the book's schedule evaluates after update number `iteration` (0-based, as `i` in the book). */
  isEvaluationIteration(iteration: number): boolean {
    const every = this.config.training.evaluateEvery;
    return every === 'epoch' ? iteration % this.iterationsPerEpoch === 0 : iteration % every === 0;
  }

  /** The updates whose gradient flow an evaluation records: the schedule's and the last one (the final evaluation's). */
  private gradientFlowDue(iteration: number): boolean {
    return this.isEvaluationIteration(iteration) || iteration + 1 === this.totalIterations;
  }

  /** The gradient flow measured at the update that led to `iteration` updates made, if it was measured. */
  private gradientFlowAt(iteration: number): readonly LayerGradientFlow[] | undefined {
    return this.gradientFlow?.iteration === iteration ? this.gradientFlow.layers : undefined;
  }

  /** One update on the next minibatch; returns the recorded batch loss. */
  step(): number {
    const indices = this.sampler.take();
    const x = this.trainImages.batch(indices);
    const t = this.trainImages.labelsOf(indices, this.labels);
    const grads = this.net.gradient(x, t);
    const lossBefore = this.net.lastLoss;
    if (this.gradientFlowDue(this.iteration)) {
      // Only on the updates an evaluation follows: the norms cost a pass over the gradients and weights.
      const layers = measureGradientFlow(this.net.weightLayers, this.net.ops, this.evaluator.scratchWeights(), () => this.optimizer.update(this.net.params, grads));
      this.gradientFlow = { iteration: this.iteration + 1, layers };
    } else {
      this.optimizer.update(this.net.params, grads);
    }
    this.iteration++;
    // The next batch is drawn once this step's dropout masks are (the random stream's order of drawing each
    // batch when needed), early enough for its pixels to come from memory during the after-update loss.
    this.trainImages.prefetch(this.sampler.drawAhead());
    return this.config.training.recordLoss === 'after-update' ? this.net.loss(x, t) : lossBefore;
  }

  /**
   * One update and, when the schedule says so, the evaluation after it. Both run() and the trainer process
   * (which trains in time slices) drive training through this.
   */
  advance(): StepOutcome {
    const iteration = this.iteration;
    const loss = this.step();
    const diverged = !Number.isFinite(loss);
    const evaluate = !diverged && this.isEvaluationIteration(iteration);
    if (!evaluate && this.evaluator.idle) return { iteration, loss, diverged };
    const before = this.evaluator.seconds;
    this.evaluator.poll();
    if (evaluate) this.evaluator.start(this.iteration, false, this.gradientFlowAt(this.iteration));
    const evaluation = this.evaluator.next();
    const seconds = this.evaluator.seconds - before;
    return { iteration, loss, diverged, ...(evaluation ? { evaluation } : {}), ...(seconds > 0 ? { evaluationSeconds: seconds } : {}) };
  }

  /** Accuracy and mean loss of the current weights on both splits, measured now (the first evaluationSamples of each, when set). */
  evaluate(final = false): EvaluationRecord {
    return this.evaluator.measure(this.iteration, final);
  }

  /**
   * Every evaluation not yet handed out, oldest first, after waiting for one still running. Call it before
   * finalEvaluation() and whenever the records must be on record (pause, stop).
   */
  settleEvaluations(): EvaluationRecord[] {
    return this.evaluator.drain();
  }

  get lastEvaluationRecord(): EvaluationRecord | undefined {
    return this.evaluator.last;
  }

  get finished(): boolean {
    return this.iteration >= this.totalIterations;
  }

  /** The final evaluation, unless the schedule already evaluated after the last update. */
  finalEvaluation(): EvaluationRecord | undefined {
    return this.evaluator.finalEvaluation(this.iteration, this.gradientFlowAt(this.iteration));
  }

  /** Runs the remaining iterations synchronously (benchmarks, tests; the CLI takes them in slices, see TrainingRun). */
  run(callbacks: TrainingCallbacks = {}, options: RunOptions = {}): TrainingResult {
    const run = new TrainingRun(this, callbacks, { clock: this.clock, ...options });
    run.steps();
    return run.finish();
  }

  /** Seconds this thread has spent on evaluations so far (a background evaluation's other thread not counted). */
  get evaluationSeconds(): number {
    return this.evaluator.seconds;
  }

  /** Everything needed to continue this run later on the same random stream: tensors (by reference) plus meta. */
  snapshot(): TrainerSnapshot {
    // An evaluation in flight belongs to this state: finish it so the checkpoint records it.
    this.evaluator.settle();
    return takeSnapshot(this.state, this.iteration, this.evaluator.last);
  }

  /** Continues from a snapshot of a run with the same config: weights, iteration, RNG and batch order. */
  restore(tensors: Readonly<Record<string, Tensor>>, meta: TrainerSnapshotMeta): void {
    // Evaluations of the state being replaced are dropped (after their background work ends).
    this.evaluator.reset(meta.lastEvaluation ?? undefined);
    restoreSnapshot(this.state, tensors, meta);
    this.iteration = meta.iteration;
  }

  private get state(): TrainingState {
    return { net: this.net, optimizer: this.optimizer, sampler: this.sampler, rng: this.rng };
  }
}
