import type { BackgroundKernels } from '../backend';
import type { Tensor } from '../tensor';
import type { TrainableNetwork } from '../networks/trainable-network';
import { BackgroundEvaluation, copyWeights } from './background-evaluation';
import { measureSplit, type EvaluationSplit, type SplitMeasure } from './evaluation';
import type { EvaluationRecord } from './evaluation-record';
import type { LayerGradientFlow } from './gradient-flow';

/** The gradient flow measured at the update an evaluation follows, when there is one. */
type Gradients = readonly LayerGradientFlow[] | undefined;

export interface EvaluatorOptions {
  /** For a record's epoch = iteration / iterations per epoch. */
  readonly iterationsPerEpoch: number;
  /** The backend's background thread, when evaluations may run there (only for a network whose first layer is an Affine). */
  readonly background: BackgroundKernels | undefined;
  /** Images per chunk (see evaluationChunkRows). */
  readonly chunkRows: number;
  /** Milliseconds, to count the time evaluations take on this thread. */
  readonly clock: () => number;
}

/**
 * The book's evaluations (accuracy and loss on the training and test splits), made in place or, with
 * background kernels, on a copy of the weights while training goes on: then the record comes out of a later
 * poll() or settle(). Finished records queue up until the trainer hands them out.
 */
export class Evaluator {
  /** Seconds of this thread spent on evaluations so far. */
  seconds = 0;
  private latest: EvaluationRecord | undefined;
  private readonly ready: EvaluationRecord[] = [];
  private pending: { readonly job: BackgroundEvaluation; readonly iteration: number; readonly final: boolean; readonly gradients: Gradients } | undefined;
  /** Holds a copy of the weights for the evaluation in flight (between evaluations: scratch, see scratchWeights). */
  private copy: TrainableNetwork | undefined;

  constructor(
    private readonly net: TrainableNetwork,
    private readonly splits: readonly [train: EvaluationSplit, test: EvaluationSplit],
    private readonly options: EvaluatorOptions,
  ) {}

  /** The latest evaluation on record. */
  get last(): EvaluationRecord | undefined {
    return this.latest;
  }

  /** Nothing in flight and nothing waiting to be handed out. */
  get idle(): boolean {
    return !this.pending && this.ready.length === 0;
  }

  /** Measures the current weights here and now; the record is returned, not queued. */
  measure(iteration: number, final: boolean, gradients?: Gradients): EvaluationRecord {
    return this.timed(() => this.record(iteration, this.measureHere(0), this.measureHere(1), final, gradients));
  }

  /** The extra evaluation after the last update, unless one of the schedule's already measured `iteration`. */
  finalEvaluation(iteration: number, gradients?: Gradients): EvaluationRecord | undefined {
    this.settle();
    if (this.latest?.iteration === iteration) return undefined;
    this.latest = this.measure(iteration, true, gradients);
    return this.latest;
  }

  /** Evaluates the weights after update `iteration`: in the background when possible, else at once. */
  start(iteration: number, final: boolean, gradients?: Gradients): void {
    this.timed(() => {
      this.settleNow();
      const background = this.options.background;
      // Only a first Affine's products run on the background thread: other networks are measured in place.
      const copy = background && this.net.firstAffine ? this.weightCopy() : undefined;
      const first = copy?.firstAffine;
      if (!background || !copy || !first) {
        this.accept(this.record(iteration, this.measureHere(0), this.measureHere(1), final, gradients));
        return;
      }
      copyWeights(this.net, copy);
      this.pending = { job: new BackgroundEvaluation(copy, first, background, this.splits, this.options.chunkRows), iteration, final, gradients };
    });
  }

  /**
   * The weight matrices of the evaluation's copy as scratch space until the next start() (the gradient flow's
   * W before an update): the evaluation in flight, which reads them, is settled first.
   */
  scratchWeights(): Tensor[] {
    this.settle();
    return this.weightCopy().weightLayers.map((layer) => layer.W);
  }

  /** Takes over what the background thread has finished, without waiting. */
  poll(): void {
    const pending = this.pending;
    if (pending) this.timed(() => pending.job.pump() && this.settleNow());
  }

  /** Waits for the evaluation in flight, if any, and queues its record. */
  settle(): void {
    if (this.pending) this.timed(() => this.settleNow());
  }

  /** The oldest finished record not yet handed out. */
  next(): EvaluationRecord | undefined {
    return this.ready.shift();
  }

  /** Every record not yet handed out, oldest first, after settling the one in flight. */
  drain(): EvaluationRecord[] {
    this.settle();
    return this.ready.splice(0);
  }

  /** Drops the records of a state being replaced (after their background work ends); `last` as restored. */
  reset(last: EvaluationRecord | undefined): void {
    this.settle();
    this.ready.length = 0;
    this.latest = last;
  }

  private settleNow(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    const [train, test] = pending.job.finish();
    this.accept(this.record(pending.iteration, train, test, pending.final, pending.gradients));
  }

  private accept(record: EvaluationRecord): void {
    if (!this.latest || this.latest.iteration <= record.iteration) this.latest = record;
    this.ready.push(record);
  }

  private weightCopy(): TrainableNetwork {
    this.copy ??= this.net.twin();
    return this.copy;
  }

  private measureHere(split: 0 | 1): SplitMeasure {
    return measureSplit(this.net, this.splits[split], this.options.chunkRows);
  }

  private record(iteration: number, train: SplitMeasure, test: SplitMeasure, final: boolean, gradients: Gradients): EvaluationRecord {
    return {
      iteration,
      epoch: iteration / this.options.iterationsPerEpoch,
      trainAccuracy: train.accuracy,
      testAccuracy: test.accuracy,
      trainLoss: train.loss,
      testLoss: test.loss,
      final,
      ...(gradients ? { gradients } : {}),
    };
  }

  private timed<T>(work: () => T): T {
    const started = this.options.clock();
    try {
      return work();
    } finally {
      this.seconds += (this.options.clock() - started) / 1000;
    }
  }
}
