import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { EvaluationRecord } from '../src-engine/training/evaluation-record';
import type { Trainer, TrainingCallbacks, TrainingResult, TrainingStatus } from '../src-engine/training/trainer';

/** Training runs in slices this long; between them signals (Ctrl+C) and I/O are handled. */
const SLICE_MS = 20;

export interface SliceOptions {
  /** Milliseconds (default performance.now; tests inject their own). */
  readonly clock?: () => number;
  readonly sliceMs?: number;
  /** Called between slices instead of yielding to the event loop (tests: a step hook). */
  readonly between?: () => Promise<void>;
}

/**
 * Trainer.run(), in time slices that give the event loop back: the same steps in the same order (so the
 * same curve and records), but a SIGINT handler runs between two slices and `shouldStop` sees its flag
 * before the next step. The synchronous run() would only see it after the last iteration.
 */
export async function trainInSlices(trainer: Trainer, callbacks: TrainingCallbacks = {}, options: SliceOptions = {}): Promise<TrainingResult> {
  const clock = options.clock ?? (() => performance.now());
  const sliceMs = options.sliceMs ?? SLICE_MS;
  const between = options.between ?? (() => yieldToEventLoop());
  const started = clock();
  let evaluationSeconds = 0;
  let evaluations = 0;
  let lastLoss = NaN;
  let status: TrainingStatus = 'completed';
  const report = (record: EvaluationRecord): void => {
    evaluations++;
    callbacks.onEvaluation?.(record);
  };
  const timed = <T>(work: () => T): T => {
    const from = clock();
    try {
      return work();
    } finally {
      evaluationSeconds += (clock() - from) / 1000;
    }
  };
  training: while (!trainer.finished) {
    const sliceEnd = clock() + sliceMs;
    do {
      if (callbacks.shouldStop?.()) {
        status = 'stopped';
        break training;
      }
      const outcome = trainer.advance();
      lastLoss = outcome.loss;
      evaluationSeconds += outcome.evaluationSeconds ?? 0;
      callbacks.onIteration?.(outcome.iteration, outcome.loss);
      if (outcome.evaluation) report(outcome.evaluation);
      if (outcome.diverged) {
        status = 'diverged';
        break training;
      }
    } while (!trainer.finished && clock() < sliceEnd);
    await between();
  }
  for (const record of timed(() => trainer.settleEvaluations())) report(record);
  const final = status === 'completed' ? timed(() => trainer.finalEvaluation()) : undefined;
  if (final) report(final);
  const seconds = (clock() - started) / 1000;
  const last = trainer.lastEvaluationRecord;
  return {
    status,
    iterations: trainer.iteration,
    trainAccuracy: last?.trainAccuracy ?? NaN,
    testAccuracy: last?.testAccuracy ?? NaN,
    lastLoss,
    seconds,
    evaluationSeconds,
    evaluations,
    iterationsPerSecond: seconds > 0 ? trainer.iteration / seconds : 0,
  };
}
