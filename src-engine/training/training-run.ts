import type { EvaluationRecord } from './evaluation-record';
import type { StepOutcome } from './trainer';

/** What a run needs of its trainer: one step at a time, its evaluations settled, its progress. */
export interface RunnableTrainer {
  readonly iteration: number;
  readonly finished: boolean;
  readonly lastEvaluationRecord: EvaluationRecord | undefined;
  /** Seconds the trainer's thread has spent on evaluations so far. */
  readonly evaluationSeconds: number;
  advance(): StepOutcome;
  settleEvaluations(): EvaluationRecord[];
  finalEvaluation(): EvaluationRecord | undefined;
}

export interface TrainingCallbacks {
  /** After every update, with the recorded batch loss (cheap: called in the hot loop). */
  onIteration?(iteration: number, loss: number): void;
  onEvaluation?(record: EvaluationRecord): void;
  /** Polled before every update; returning true ends the run early. */
  shouldStop?(): boolean;
}

export interface RunOptions {
  /** Evaluate once more after the last update if the schedule did not (default true). */
  readonly finalEvaluation?: boolean;
  /** Milliseconds, for the run's timings (default performance.now). */
  readonly clock?: () => number;
}

export type TrainingStatus = 'completed' | 'stopped' | 'diverged';

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

/**
 * The remaining iterations of a trainer, run in as many pieces as the caller likes: Trainer.run() takes them
 * in one go; a host that must stay responsive (the CLI, which handles Ctrl+C between pieces) takes time
 * slices. Either way the same steps in the same order, so the same curve and records.
 */
export class TrainingRun {
  private readonly clock: () => number;
  private readonly started: number;
  private readonly evaluationSecondsBefore: number;
  private evaluations = 0;
  private lastLoss = NaN;
  private status: TrainingStatus = 'completed';
  private over = false;

  constructor(
    private readonly trainer: RunnableTrainer,
    private readonly callbacks: TrainingCallbacks = {},
    private readonly options: RunOptions = {},
  ) {
    this.clock = options.clock ?? (() => performance.now());
    this.started = this.clock();
    this.evaluationSecondsBefore = trainer.evaluationSeconds;
  }

  /** Steps until the run is over (finished, stopped or diverged) or `pause()` says to give the thread back; true once over. */
  steps(pause: () => boolean = () => false): boolean {
    const { trainer, callbacks } = this;
    while (!this.over) {
      if (trainer.finished) {
        this.over = true;
        break;
      }
      if (callbacks.shouldStop?.()) {
        this.end('stopped');
        break;
      }
      const outcome = trainer.advance();
      this.lastLoss = outcome.loss;
      callbacks.onIteration?.(outcome.iteration, outcome.loss);
      if (outcome.evaluation) this.report(outcome.evaluation);
      if (outcome.diverged) this.end('diverged');
      else if (pause()) break;
    }
    return this.over;
  }

  /** The evaluations still in flight, the final one (when the run completed) and the result. */
  finish(): TrainingResult {
    const { trainer } = this;
    for (const record of trainer.settleEvaluations()) this.report(record);
    const final = this.status === 'completed' && (this.options.finalEvaluation ?? true) ? trainer.finalEvaluation() : undefined;
    if (final) this.report(final);
    const seconds = (this.clock() - this.started) / 1000;
    const last = trainer.lastEvaluationRecord;
    return {
      status: this.status,
      iterations: trainer.iteration,
      trainAccuracy: last?.trainAccuracy ?? NaN,
      testAccuracy: last?.testAccuracy ?? NaN,
      lastLoss: this.lastLoss,
      seconds,
      evaluationSeconds: trainer.evaluationSeconds - this.evaluationSecondsBefore,
      evaluations: this.evaluations,
      iterationsPerSecond: seconds > 0 ? trainer.iteration / seconds : 0,
    };
  }

  private end(status: TrainingStatus): void {
    this.status = status;
    this.over = true;
  }

  private report(record: EvaluationRecord): void {
    this.evaluations++;
    this.callbacks.onEvaluation?.(record);
  }
}
