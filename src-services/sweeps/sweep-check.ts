import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ConfigError } from '../../src-shared/config';
import { memoryBudgetIssue, type MemoryBudget } from '../../src-shared/memory-budget';
import type { Sweep } from '../../src-shared/sweep';
import { estimateTrainingMemory, type MemoryEstimate } from '../../src-engine/networks/memory-estimate';
import { checkConcurrentBudget } from '../limits/memory-budget';
import { planTrials } from './sweep-plan';

/** Checking a sweep's trials gives the event loop back this often (ms), so other clients are served meanwhile. */
const SLICE_MS = 10;

export interface SweepCheckOptions {
  readonly budget: MemoryBudget;
  /** Trials that train at once. */
  readonly concurrency: number;
}

/**
 * Plans every trial (at most MAX_SWEEP_TRIALS, one at a time), refusing the first whose config is invalid or
 * whose network does not fit the memory budget, then the largest trial times the trials that train at once.
 * Returns the number of trials.
 */
export async function checkSweep(sweep: Sweep, options: SweepCheckOptions): Promise<number> {
  let largest: MemoryEstimate | undefined;
  let count = 0;
  let sliceStart = performance.now();
  for (const planned of planTrials(sweep)) {
    const estimate = estimateTrainingMemory(planned.config);
    const issue = memoryBudgetIssue(estimate, options.budget, `trial ${planned.trial + 1}`);
    if (issue) throw new ConfigError([issue], `${sweep.name} trial ${planned.trial + 1}`);
    if (!largest || estimate.bytes > largest.bytes) largest = estimate;
    count++;
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }
  const atOnce = Math.min(options.concurrency, count);
  if (largest && atOnce > 1) checkConcurrentBudget(largest, atOnce, options.budget, 'sweep', `${atOnce} trials training at once (concurrency)`);
  return count;
}
