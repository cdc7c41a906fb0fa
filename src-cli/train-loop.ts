import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Trainer } from '../src-engine/training/trainer';
import { TrainingRun, type TrainingCallbacks, type TrainingResult } from '../src-engine/training/training-run';

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
  const run = new TrainingRun(trainer, callbacks, { clock });
  for (;;) {
    const sliceEnd = clock() + sliceMs;
    if (run.steps(() => clock() >= sliceEnd)) break;
    await between();
  }
  return run.finish();
}
