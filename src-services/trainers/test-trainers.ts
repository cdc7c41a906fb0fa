import { inject } from 'vitest';
import { nodeTrainerFactory, type TrainerProcessFactory } from './trainer-process';

/**
 * For tests: real trainer processes started from the entries bundled once per test run (see
 * scripts/vitest-trainer-bundle.ts). With `pauseAt`, every process this factory starts pauses its run by
 * itself right after that step (src-trainer/test-support/pausing-entry.ts), as a pause command would. With
 * `diskBudget`, their run writes meet a full disk (ENOSPC) after that many bytes (full-disk-entry.ts).
 */
export function testTrainerFactory(options: { pauseAt?: number; diskBudget?: number } = {}): TrainerProcessFactory {
  const entries = inject('trainerEntries');
  if (options.diskBudget !== undefined) return nodeTrainerFactory({ file: entries.fullDisk, execArgv: [], args: [String(options.diskBudget)] });
  if (options.pauseAt === undefined) return nodeTrainerFactory({ file: entries.trainer, execArgv: [] });
  return nodeTrainerFactory({ file: entries.pausing, execArgv: [], args: [String(options.pauseAt)] });
}
