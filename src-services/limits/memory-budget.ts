import { totalmem } from 'node:os';
import { ConfigError, type TrainConfig } from '../../src-shared/config';
import { describeBytes, memoryBudgetIssue, type MemoryBudget } from '../../src-shared/memory-budget';
import { estimateGradientCheckMemory, estimateLayerGraphMemory, estimateTrainingMemory, type MemoryEstimate } from '../../src-engine/networks/memory-estimate';

/**
 * The memory budget policy of this machine: by default half of its RAM for one training process (the rest is
 * the OS's, the app's and the other processes'), or what BACKPROP_MEMORY_BUDGET (or the CLI's
 * --memory-budget) says: a size such as 8GB, 512MiB, 2e9 (bytes), or a share such as 75%.
 */
const MEMORY_BUDGET_ENV = 'BACKPROP_MEMORY_BUDGET';
const DEFAULT_SHARE = 0.5;

const UNIT_BYTES: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** Bytes from "8GB", "512 MiB", "2e9" or "75%" (of `total`); a message naming `what` when it is none of them. */
export function parseMemorySize(text: string, total: number, what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-z%]*)\s*$/i.exec(text);
  const unit = match?.[2]?.toLowerCase() ?? '';
  const value = match ? Number(match[1]) : NaN;
  const bytes = unit === '%' ? (value / 100) * total : value * (UNIT_BYTES[unit] ?? NaN);
  if (!Number.isFinite(bytes) || bytes <= 0 || (unit === '%' && value > 100)) {
    throw new ConfigError([{ field: what, message: `must be a size such as 8GB, 512MiB or 75% (of this machine's ${describeBytes(total)}), got "${text}"` }]);
  }
  return Math.floor(bytes);
}

/** This host's budget: `override` (the CLI's flag), else the environment's, else half of the RAM. */
export function memoryBudget(override?: string, env: NodeJS.ProcessEnv = process.env, total = totalmem()): MemoryBudget {
  if (override !== undefined) return { bytes: parseMemorySize(override, total, '--memory-budget'), source: `--memory-budget ${override}` };
  const fromEnv = env[MEMORY_BUDGET_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { bytes: parseMemorySize(fromEnv, total, MEMORY_BUDGET_ENV), source: `${MEMORY_BUDGET_ENV}=${fromEnv}` };
  return { bytes: Math.floor(total * DEFAULT_SHARE), source: `half of this machine's ${describeBytes(total)}; ${MEMORY_BUDGET_ENV} changes it` };
}

function refuseOver(estimate: MemoryEstimate, budget: MemoryBudget, source: string | undefined, subject?: string): void {
  const issue = memoryBudgetIssue(estimate, budget, subject);
  if (issue) throw new ConfigError([issue], source);
}

/** Refuses a run (or a loaded network) that would not fit, before anything is allocated; `source` prefixes the message. */
export function checkTrainingBudget(config: TrainConfig, budget: MemoryBudget = memoryBudget(), source?: string): MemoryEstimate {
  const estimate = estimateTrainingMemory(config);
  refuseOver(estimate, budget, source);
  return estimate;
}

export function checkGradientCheckBudget(config: TrainConfig, samples: number, budget: MemoryBudget = memoryBudget(), source?: string): void {
  refuseOver(estimateGradientCheckMemory(config, samples), budget, source, 'this gradient check');
}

export function checkLayerGraphBudget(config: TrainConfig, batchSize: number, budget: MemoryBudget = memoryBudget(), source?: string): void {
  refuseOver(estimateLayerGraphMemory(config, batchSize), budget, source, 'this trace');
}

/** `count` processes of `each` at once (a sweep's trials at its concurrency) against one budget. */
export function checkConcurrentBudget(each: MemoryEstimate, count: number, budget: MemoryBudget, source: string, what: string): void {
  const bytes = each.bytes * count;
  if (bytes <= budget.bytes) return;
  const message = `${what} need about ${describeBytes(bytes)} of memory (${describeBytes(each.bytes)} for the largest trial); the budget is ${describeBytes(budget.bytes)} (${budget.source}): lower concurrency or make the trials smaller`;
  throw new ConfigError([{ field: 'concurrency', message }], source);
}
