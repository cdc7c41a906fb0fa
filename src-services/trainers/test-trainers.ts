import { inject } from 'vitest';
import { nodeTrainerFactory, type TrainerProcessFactory } from './trainer-process';

/**
 * For tests: real trainer processes started from the entries bundled once per test run (see
 * scripts/vitest-trainer-bundle.ts). With `pauseAt`, every process this factory starts pauses its run by
 * itself right after that step (src-trainer/test-support/pausing-entry.ts), as a pause command would.
 */
export function testTrainerFactory(options: { pauseAt?: number } = {}): TrainerProcessFactory {
  const entries = inject('trainerEntries');
  if (options.pauseAt === undefined) return nodeTrainerFactory({ file: entries.trainer, execArgv: [] });
  return nodeTrainerFactory({ file: entries.pausing, execArgv: [], args: [String(options.pauseAt)] });
}
