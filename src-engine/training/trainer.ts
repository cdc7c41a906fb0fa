import type { TrainConfig } from '../../src-shared/config';
import { iterationsPerEpoch, totalIterations } from '../../src-shared/config';
import type { Dataset, DatasetSplit } from '../dataset';
import type { Backend } from '../backend';
import { addChunkTotals, BackgroundEvaluation } from './background-evaluation';
import { MultiLayerNet, type NetInput } from '../networks/multi-layer-net';
import { createOptimizer, type Optimizer } from '../optimizers';
import { Rng, type RngState } from '../rng';
import { pixelDensity, SPARSE_DENSITY_LIMIT, SparseBatch, sparseImagesOf, type SparseImages } from '../sparse-images';
import { Tensor } from '../tensor';
import type { EvaluationRecord } from './evaluation-record';

/** Accuracy and mean loss measured on one split. */
interface SplitMeasure {
  readonly accuracy: number;
  readonly loss: number;
}

export interface TrainingCallbacks {
  /** After every update, with the recorded batch loss (cheap: called in the hot loop). */
  onIteration?(iteration: number, loss: number): void;
  onEvaluation?(record: EvaluationRecord): void;
  /** Polled every iteration; returning true ends the run early. */
  shouldStop?(): boolean;
}

/**
 * How batches reach the first layer: 'sparse' multiplies only nonzero pixels (see sparse-images.ts), 'dense'
 * gathers every pixel as float rows (the book's x_batch). 'auto' (default) picks sparse when under
 * SPARSE_DENSITY_LIMIT of the training pixels are nonzero (MNIST: 19 %). Both give the same products up to
 * the order of float additions.
 */
export type InputFormat = 'auto' | 'sparse' | 'dense';

export interface TrainerOptions {
  readonly input?: InputFormat;
  /**
   * Evaluate on a copy of the weights while training goes on (default true; used when the backend has
   * background kernels). The records are the same; they arrive some steps later.
   */
  readonly backgroundEvaluation?: boolean;
}

export interface RunOptions {
  /** Evaluate once more after the last update if the schedule did not (default true). */
  readonly finalEvaluation?: boolean;
}

export type TrainingStatus = 'completed' | 'stopped' | 'diverged';

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

export interface TrainingResult {
  readonly status: TrainingStatus;
  readonly iterations: number;
  readonly trainAccuracy: number;
  readonly testAccuracy: number;
  readonly lastLoss: number;
  /** Wall time of the loop including evaluations. */
  readonly seconds: number;
  /** Of `seconds`, the time the loop's thread spent on evaluations (a background evaluation's other thread not counted). */
  readonly evaluationSeconds: number;
  readonly evaluations: number;
  /** Updates per second of loop time (evaluations included, as a user experiences it). */
  readonly iterationsPerSecond: number;
}

export interface TrainerSnapshotMeta {
  readonly iteration: number;
  readonly rng: RngState;
  readonly permutation: number[] | null;
  readonly permutationPosition: number;
  readonly lastEvaluation: EvaluationRecord | null;
  /** The optimizer's step counter (Adam's bias correction); its state tensors are in the checkpoint. */
  readonly optimizerStep?: number;
}

function rowsOf(split: DatasetSplit, indices: ArrayLike<number>): DatasetSplit {
  const size = split.rows * split.cols;
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    images.set(split.images.subarray(indices[i]! * size, (indices[i]! + 1) * size), i * size);
    labels[i] = split.labels[indices[i]!]!;
  }
  return { images, labels, count: indices.length, rows: split.rows, cols: split.cols };
}

/**
 * The book's hyperparameter search data (hyperparameter_optimization.py): the first trainSubset training
 * samples, shuffled, the first `validationFraction` of them held out for validation. The hold-out takes the
 * test split's place, so evaluations report validation accuracy as "test".
 */
export function holdOutValidation(dataset: Dataset, config: TrainConfig): Dataset {
  const { trainSubset, validationFraction } = config.training;
  const count = Math.min(trainSubset ?? dataset.train.count, dataset.train.count);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  // Its own stream, so the same seed gives the same split whatever the network draws.
  new Rng((config.seed ^ 0x9e3779b9) >>> 0).shuffle(order);
  const validation = Math.floor(count * validationFraction);
  if (validation < 1 || validation >= count) throw new RangeError(`training.validationFraction ${validationFraction} of ${count} samples leaves no validation or no training set`);
  return { ...dataset, test: rowsOf(dataset.train, order.subarray(0, validation)), train: rowsOf(dataset.train, order.subarray(validation)) };
}

/** Rows per evaluation chunk: enough for a two-thread GEMM, few enough (6 MB of float32 pixels) that the
 * gathered images are still in cache when the GEMM reads them (10000-row chunks took 13 % longer). */
const EVALUATION_CHUNK = 2000;

/**
 * The training loop of the book's train_neuralnet.py / Trainer: draw a batch, backprop, update, record the
 * loss, and measure full-set accuracy every epoch (iteration % iter_per_epoch == 0, including the first).
 */
export class Trainer {
  readonly config: TrainConfig;
  readonly net: MultiLayerNet;
  readonly backend: Backend;
  readonly rng: Rng;
  readonly totalIterations: number;
  /** Updates done so far. */
  iteration = 0;
  private readonly dataset: Dataset;
  private readonly optimizer: Optimizer;
  private readonly trainCount: number;
  private readonly pixels: number;
  private readonly batchX: Tensor | undefined;
  /** The training and test images as nonzero pixels when batches are sparse. */
  private readonly sparse: { readonly train: SparseImages; readonly test: SparseImages; readonly batch: SparseBatch } | undefined;
  private readonly batchIndices: Int32Array;
  private nextIndices: Int32Array | undefined;
  private readonly batchLabels: Int32Array;
  private readonly permutation: Int32Array | undefined;
  private permutationPosition = 0;
  private lastEvaluation: EvaluationRecord | undefined;
  private evalX: Tensor | undefined;
  private evalIndices: Int32Array | undefined;
  private evalLabels: Int32Array | undefined;
  private evalScores: Tensor | undefined;
  private evalPredicted: Int32Array | undefined;
  private readonly useBackground: boolean;
  /** Holds a copy of the weights for the evaluation in flight. */
  private evaluationNet: MultiLayerNet | undefined;
  private pending: { readonly evaluation: BackgroundEvaluation; readonly iteration: number; readonly final: boolean } | undefined;
  /** Finished evaluations not yet handed out by advance() or settleEvaluations(). */
  private readonly ready: EvaluationRecord[] = [];

  constructor(config: TrainConfig, source: Dataset, backend: Backend, options: TrainerOptions = {}) {
    this.config = config;
    const dataset = config.training.validationFraction > 0 ? holdOutValidation(source, config) : source;
    this.dataset = dataset;
    this.backend = backend;
    const { network, training } = config;
    this.pixels = dataset.train.rows * dataset.train.cols;
    if (network.inputSize !== this.pixels) {
      throw new RangeError(
        `network.inputSize is ${network.inputSize} but ${dataset.name} images have ${dataset.train.rows}x${dataset.train.cols} = ${this.pixels} pixels`,
      );
    }
    if (dataset.classes > network.outputSize) {
      throw new RangeError(`network.outputSize is ${network.outputSize} but ${dataset.name} has ${dataset.classes} classes`);
    }
    this.trainCount = Math.min(training.trainSubset ?? dataset.train.count, dataset.train.count);
    this.totalIterations = totalIterations(training, this.trainCount);
    this.rng = new Rng(config.seed);
    this.net = new MultiLayerNet(network, { backend, dtype: config.dtype, rng: this.rng });
    this.optimizer = createOptimizer(config.optimizer, backend);
    this.batchIndices = new Int32Array(training.batchSize);
    const input = options.input ?? 'auto';
    const sparse = input === 'sparse' || (input === 'auto' && this.pixels <= 65536 && pixelDensity(dataset.train.images, this.trainCount, this.pixels) < SPARSE_DENSITY_LIMIT);
    if (sparse) {
      const train = sparseImagesOf(dataset.train.images, dataset.train.count, this.pixels);
      this.sparse = { train, test: sparseImagesOf(dataset.test.images, dataset.test.count, this.pixels), batch: new SparseBatch(train, this.batchIndices, 1 / 255) };
    } else {
      this.batchX = Tensor.zeros([training.batchSize, this.pixels], config.dtype);
    }
    this.batchLabels = new Int32Array(training.batchSize);
    this.useBackground = (options.backgroundEvaluation ?? true) && backend.background !== undefined;
    if (training.sampling === 'shuffle') {
      if (training.batchSize > this.trainCount) {
        throw new RangeError(`training.batchSize ${training.batchSize} exceeds the ${this.trainCount} training samples`);
      }
      this.permutation = Int32Array.from({ length: this.trainCount }, (_, i) => i);
      this.rng.shuffle(this.permutation);
    }
  }

  /** How batches reach the first layer (resolved from TrainerOptions.input). */
  get inputFormat(): 'sparse' | 'dense' {
    return this.sparse ? 'sparse' : 'dense';
  }

  /** Training-set indices of the last minibatch (a view; valid until the next step). */
  get lastBatchIndices(): Int32Array {
    return this.batchIndices;
  }

  get iterationsPerEpoch(): number {
    return iterationsPerEpoch(this.config.training, this.trainCount);
  }

  /** Whether the book's schedule evaluates after update number `iteration` (0-based, as `i` in the book). */
  isEvaluationIteration(iteration: number): boolean {
    const every = this.config.training.evaluateEvery;
    return every === 'epoch' ? iteration % this.iterationsPerEpoch === 0 : iteration % every === 0;
  }

  /** One update on a fresh minibatch; returns the recorded batch loss. */
  step(): number {
    const { batchSize, recordLoss } = this.config.training;
    this.drawBatch();
    const train = this.dataset.train;
    let x: NetInput;
    if (this.sparse) {
      x = this.sparse.batch;
    } else {
      x = this.batchX!;
      this.backend.gatherRows(train.images, this.pixels, this.batchIndices, 1 / 255, x.data);
    }
    for (let i = 0; i < batchSize; i++) this.batchLabels[i] = train.labels[this.batchIndices[i]];
    const grads = this.net.gradient(x, this.batchLabels);
    const lossBefore = this.net.lastLoss;
    this.optimizer.update(this.net.params, grads);
    this.iteration++;
    if (this.sparse) {
      // The next batch's pixels start coming from memory while this step finishes (its after-update loss).
      const next = this.peekNextBatch();
      if (next) this.backend.prefetchSparseRows(this.sparse.train.rowStart, this.sparse.train.columns, this.sparse.train.values, next);
    }
    return recordLoss === 'after-update' ? this.net.loss(x, this.batchLabels) : lossBefore;
  }

  /** Accuracy and mean loss on both splits (the first evaluationSamples of each, when set). */
  evaluate(final = false): EvaluationRecord {
    const counts = this.evaluationCounts();
    const train = this.measure(this.dataset.train, this.sparse?.train, counts.train);
    const test = this.measure(this.dataset.test, this.sparse?.test, counts.test);
    return this.evaluationRecord(this.iteration, train, test, final);
  }

  /** How many samples of each split an evaluation measures (the first evaluationSamples, when set). */
  private evaluationCounts(): { train: number; test: number } {
    const limit = this.config.training.evaluationSamples;
    return { train: Math.min(limit ?? this.trainCount, this.trainCount), test: Math.min(limit ?? this.dataset.test.count, this.dataset.test.count) };
  }

  private evaluationRecord(iteration: number, train: SplitMeasure, test: SplitMeasure, final: boolean): EvaluationRecord {
    return {
      iteration,
      epoch: iteration / this.iterationsPerEpoch,
      trainAccuracy: train.accuracy,
      testAccuracy: test.accuracy,
      trainLoss: train.loss,
      testLoss: test.loss,
      final,
    };
  }

  /**
   * One update and, when the schedule says so, the evaluation after it. Both the synchronous run() and the
   * trainer process (which trains in time slices) drive training through this.
   */
  advance(): StepOutcome {
    const i = this.iteration;
    const loss = this.step();
    const diverged = !Number.isFinite(loss);
    if (!this.pending && this.ready.length === 0 && (diverged || !this.isEvaluationIteration(i))) return { iteration: i, loss, diverged };
    let seconds = 0;
    if (this.pending) {
      const { evaluation } = this.pending;
      const before = evaluation.seconds;
      const finished = evaluation.pump();
      seconds += evaluation.seconds - before;
      if (finished) seconds += this.settlePending();
    }
    if (!diverged && this.isEvaluationIteration(i)) seconds += this.beginEvaluation(false);
    const evaluation = this.ready.shift();
    return { iteration: i, loss, diverged, ...(evaluation ? { evaluation } : {}), ...(seconds > 0 ? { evaluationSeconds: seconds } : {}) };
  }

  /**
   * Evaluates the current weights: in the background when possible (the record comes out of a later
   * advance() or settleEvaluations()), else at once into the ready queue. Returns the seconds spent here.
   */
  private beginEvaluation(final: boolean): number {
    const t0 = performance.now();
    this.settlePending();
    if (!this.useBackground) {
      const record = this.evaluate(final);
      this.lastEvaluation = record;
      this.ready.push(record);
      return (performance.now() - t0) / 1000;
    }
    this.evaluationNet ??= new MultiLayerNet(this.config.network, { backend: this.backend, dtype: this.config.dtype, rng: new Rng(0) });
    const copy = this.evaluationNet;
    for (const [key, param] of Object.entries(this.net.params)) copy.params[key].data.set(param.data);
    const stats = copy.runningStatistics;
    for (const [key, stat] of Object.entries(this.net.runningStatistics)) stats[key].data.set(stat.data);
    const counts = this.evaluationCounts();
    const { train, test } = this.dataset;
    const evaluation = new BackgroundEvaluation(
      copy,
      this.backend.background!,
      [
        { images: this.sparse?.train ?? { pixels: train.images, rowLength: this.pixels }, labels: train.labels, count: counts.train },
        { images: this.sparse?.test ?? { pixels: test.images, rowLength: this.pixels }, labels: test.labels, count: counts.test },
      ],
      EVALUATION_CHUNK,
    );
    this.pending = { evaluation, iteration: this.iteration, final };
    return (performance.now() - t0) / 1000;
  }

  /** Waits for the evaluation in flight, if any, and queues its record; returns the seconds spent waiting. */
  private settlePending(): number {
    const pending = this.pending;
    if (!pending) return 0;
    this.pending = undefined;
    const before = pending.evaluation.seconds;
    const [train, test] = pending.evaluation.finish();
    const record = this.evaluationRecord(pending.iteration, train, test, pending.final);
    if (!this.lastEvaluation || this.lastEvaluation.iteration <= record.iteration) this.lastEvaluation = record;
    this.ready.push(record);
    return pending.evaluation.seconds - before;
  }

  /**
   * Every evaluation not yet handed out, oldest first, after waiting for one still running. Call it before
   * finalEvaluation() and whenever the records must be on record (pause, stop).
   */
  settleEvaluations(): EvaluationRecord[] {
    this.settlePending();
    return this.ready.splice(0);
  }

  get lastEvaluationRecord(): EvaluationRecord | undefined {
    return this.lastEvaluation;
  }

  get finished(): boolean {
    return this.iteration >= this.totalIterations;
  }

  /** The final evaluation, unless the schedule already evaluated after the last update. */
  finalEvaluation(): EvaluationRecord | undefined {
    this.settlePending();
    if (this.lastEvaluation?.iteration === this.iteration) return undefined;
    this.lastEvaluation = this.evaluate(true);
    return this.lastEvaluation;
  }

  /** Runs the remaining iterations synchronously (CLI, benchmarks, tests). */
  run(callbacks: TrainingCallbacks = {}, options: RunOptions = {}): TrainingResult {
    const started = performance.now();
    let evaluationSeconds = 0;
    let evaluations = 0;
    let lastLoss = NaN;
    let status: TrainingStatus = 'completed';
    while (!this.finished) {
      if (callbacks.shouldStop?.()) {
        status = 'stopped';
        break;
      }
      const outcome = this.advance();
      lastLoss = outcome.loss;
      callbacks.onIteration?.(outcome.iteration, outcome.loss);
      evaluationSeconds += outcome.evaluationSeconds ?? 0;
      if (outcome.evaluation) {
        evaluations++;
        callbacks.onEvaluation?.(outcome.evaluation);
      }
      if (outcome.diverged) {
        status = 'diverged';
        break;
      }
    }
    const settleStart = performance.now();
    const settled = this.settleEvaluations();
    evaluationSeconds += (performance.now() - settleStart) / 1000;
    for (const record of settled) {
      evaluations++;
      callbacks.onEvaluation?.(record);
    }
    if (status === 'completed' && (options.finalEvaluation ?? true)) {
      const t0 = performance.now();
      const final = this.finalEvaluation();
      if (final) {
        evaluations++;
        evaluationSeconds += (performance.now() - t0) / 1000;
        callbacks.onEvaluation?.(final);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      status,
      iterations: this.iteration,
      trainAccuracy: this.lastEvaluation?.trainAccuracy ?? NaN,
      testAccuracy: this.lastEvaluation?.testAccuracy ?? NaN,
      lastLoss,
      seconds,
      evaluationSeconds,
      evaluations,
      iterationsPerSecond: seconds > 0 ? this.iteration / seconds : 0,
    };
  }

  /** Everything needed to continue this run later on the same random stream: weights plus meta. */
  snapshot(): { tensors: Record<string, Tensor>; meta: TrainerSnapshotMeta } {
    // An evaluation in flight belongs to this state: finish it so the checkpoint records it.
    this.settlePending();
    const optimizer = this.optimizer.snapshot();
    return {
      tensors: { ...this.net.params, ...this.net.runningStatistics, ...optimizer.tensors },
      meta: {
        optimizerStep: optimizer.step,
        iteration: this.iteration,
        rng: this.rng.state(),
        permutation: this.permutation ? Array.from(this.permutation) : null,
        permutationPosition: this.permutationPosition,
        lastEvaluation: this.lastEvaluation ?? null,
      },
    };
  }

  /** Continues from a snapshot of a run with the same config: weights, iteration, RNG and batch order. */
  restore(tensors: Readonly<Record<string, Tensor>>, meta: TrainerSnapshotMeta): void {
    // Evaluations of the state being replaced are dropped (after their background work ends).
    this.settlePending();
    this.ready.length = 0;
    for (const [key, param] of Object.entries(this.net.params)) {
      const saved = tensors[key];
      if (!saved || saved.size !== param.size) {
        throw new RangeError(`checkpoint does not fit this network: ${key} ${saved ? `has ${saved.size} values, expected ${param.size}` : 'is missing'}`);
      }
      param.data.set(saved.data);
    }
    for (const [key, stat] of Object.entries(this.net.runningStatistics)) {
      const saved = tensors[key];
      if (!saved || saved.size !== stat.size) throw new RangeError(`checkpoint does not fit this network: ${key} ${saved ? 'has the wrong size' : 'is missing'}`);
      stat.data.set(saved.data);
    }
    this.optimizer.restore(tensors, meta.optimizerStep ?? 0);
    this.iteration = meta.iteration;
    this.rng.setState(meta.rng);
    if (this.permutation && meta.permutation) {
      if (meta.permutation.length !== this.permutation.length) throw new RangeError('checkpoint batch order does not fit the training set');
      this.permutation.set(meta.permutation);
      this.permutationPosition = meta.permutationPosition;
    }
    this.lastEvaluation = meta.lastEvaluation ?? undefined;
  }

  /** The indices drawBatch() will draw next, without drawing them (undefined when a reshuffle comes first). */
  private peekNextBatch(): Int32Array | undefined {
    const next = (this.nextIndices ??= new Int32Array(this.batchIndices.length));
    if (this.permutation) {
      const position = this.permutationPosition;
      return position + next.length > this.permutation.length ? undefined : this.permutation.subarray(position, position + next.length);
    }
    const saved = this.rng.state();
    for (let i = 0; i < next.length; i++) next[i] = this.rng.integer(this.trainCount);
    this.rng.setState(saved);
    return next;
  }

  private drawBatch(): void {
    const indices = this.batchIndices;
    if (!this.permutation) {
      // With replacement, like np.random.choice(train_size, batch_size).
      for (let i = 0; i < indices.length; i++) indices[i] = this.rng.integer(this.trainCount);
      return;
    }
    if (this.permutationPosition + indices.length > this.permutation.length) {
      this.rng.shuffle(this.permutation);
      this.permutationPosition = 0;
    }
    indices.set(this.permutation.subarray(this.permutationPosition, this.permutationPosition + indices.length));
    this.permutationPosition += indices.length;
  }

  private measure(split: DatasetSplit, sparse: SparseImages | undefined, count: number): SplitMeasure {
    if (count === 0) return { accuracy: NaN, loss: NaN };
    const chunk = Math.min(EVALUATION_CHUNK, count);
    const outputs = this.config.network.outputSize;
    if (!this.evalIndices || this.evalIndices.length !== chunk) {
      this.evalX = sparse ? undefined : Tensor.zeros([chunk, this.pixels], this.config.dtype);
      this.evalIndices = new Int32Array(chunk);
      this.evalLabels = new Int32Array(chunk);
      this.evalScores = Tensor.zeros([chunk, outputs], this.config.dtype);
      this.evalPredicted = new Int32Array(chunk);
    }
    const indices = this.evalIndices!;
    const labels = this.evalLabels!;
    const scratch = { predicted: this.evalPredicted!, probabilities: this.evalScores! };
    const totals = { correct: 0, lossSum: 0 };
    for (let start = 0; start < count; start += chunk) {
      const rows = Math.min(chunk, count - start);
      for (let i = 0; i < rows; i++) {
        indices[i] = start + i;
        labels[i] = split.labels[start + i];
      }
      // A short last chunk reuses the buffers through views of its first rows.
      let x: NetInput;
      if (sparse) {
        x = new SparseBatch(sparse, indices.subarray(0, rows), 1 / 255);
      } else {
        const evalX = this.evalX!;
        x = rows === chunk ? evalX : new Tensor(evalX.data.subarray(0, rows * this.pixels), [rows, this.pixels]);
        this.backend.gatherRows(split.images, this.pixels, indices.subarray(0, rows), 1 / 255, x.data);
      }
      addChunkTotals(this.backend, this.net.predict(x, false), labels.subarray(0, rows), this.net.config.lossDelta, scratch, totals);
    }
    return { accuracy: totals.correct / count, loss: totals.lossSum / count };
  }
}
