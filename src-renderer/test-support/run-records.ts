import { parseTrainConfig } from '../../src-shared/config';
import type { RunRecord } from '../../src-shared/run-record';

/** A stored run's record for the renderer's tests: the default config, completed, with the fields a test gives. */
export function testRecord(id: string, fields: Partial<RunRecord> = {}): RunRecord {
  return {
    formatVersion: 1,
    id,
    name: `run ${id}`,
    config: parseTrainConfig({}),
    status: 'completed',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    dtype: 'float32',
    versions: { app: '0', node: '20' },
    ...fields,
  };
}

/** The summary of a run that ended with `bestTestAccuracy` (train and test accuracy 0.9). */
export const testSummary = (bestTestAccuracy: number | null): NonNullable<RunRecord['summary']> => ({ iterations: 10, trainAccuracy: 0.9, testAccuracy: 0.9, bestTestAccuracy, seconds: 1 });
