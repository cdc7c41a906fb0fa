import { largestPart, type MemoryEstimate } from '../src-engine/networks/memory-estimate';
import type { ConfigIssue } from './config';

/**
 * The words of a memory-budget refusal, shared by every host and the renderer: the estimate with its parts,
 * the budget and where it comes from, and the field to change. The budget itself is the host's policy.
 */

/** The host's memory budget and, in words, where it comes from (shown after the number). */
export interface MemoryBudget {
  readonly bytes: number;
  readonly source: string;
}

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'] as const;

/** 67 GB, 2.1 GB, 512 MB: decimal units, two significant digits below 10. */
export function describeBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} bytes`;
  const digits = value < 10 ? Number(value.toPrecision(2)).toString() : Math.round(value).toString();
  return `${digits} ${UNITS[unit]}`;
}

/** What to change, per field, when its part dominates the estimate. */
const ADVICE: Record<string, string> = {
  'network.hiddenSizes': 'use fewer or narrower hidden layers (network.hiddenSizes), or dtype float32',
  'network.layers': 'use fewer filters or units, fewer or smaller layers (network.layers), or dtype float32',
  'optimizer.type': 'use an optimizer with less state (optimizer.type: sgd keeps none, Adam two copies of every weight), or smaller network.hiddenSizes',
  'training.batchSize': 'use a smaller training.batchSize',
  'training.evaluationSamples': 'use a smaller training.evaluationSamples, or smaller network.hiddenSizes',
  batchSize: 'use a smaller batchSize',
  samples: 'use fewer samples',
};

/**
 * The refusal when `estimate` does not fit `budget` (undefined when it fits), at the field whose part is the
 * largest. `subject` says what needs the memory ("this network", "2 trials at once").
 */
export function memoryBudgetIssue(estimate: MemoryEstimate, budget: MemoryBudget, subject = 'this network'): ConfigIssue | undefined {
  if (estimate.bytes <= budget.bytes) return undefined;
  const field = largestPart(estimate)?.field ?? 'network.hiddenSizes';
  const parts = estimate.parts.map((p) => `${p.label} ${describeBytes(p.bytes)}`).join(', ');
  return {
    field,
    message: `${subject} needs about ${describeBytes(estimate.bytes)} of memory (${parts}); the budget is ${describeBytes(budget.bytes)} (${budget.source}): ${ADVICE[field] ?? `change ${field}`}`,
  };
}
