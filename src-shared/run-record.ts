import { z } from 'zod';
import { trainConfigSchema } from './config';

/** run.json: what the run store keeps about one run, next to its metrics and checkpoint. */
export const RUN_FORMAT_VERSION = 1;

export const runStatusSchema = z.enum(['queued', 'running', 'paused', 'completed', 'stopped', 'failed', 'diverged', 'interrupted']);
export type RunStatus = z.infer<typeof runStatusSchema>;

export const runSummarySchema = z.object({
  iterations: z.number().int().min(0),
  trainAccuracy: z.number().nullable(),
  testAccuracy: z.number().nullable(),
  bestTestAccuracy: z.number().nullable(),
  seconds: z.number().min(0),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

export const runRecordSchema = z.object({
  formatVersion: z.number().int().min(1),
  id: z.string().regex(/^[A-Za-z0-9._-]+$/),
  name: z.string(),
  config: trainConfigSchema,
  status: runStatusSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  backend: z.enum(['ts', 'native']).optional(),
  dtype: z.enum(['float32', 'float64']),
  versions: z.object({ app: z.string(), node: z.string() }),
  /** Why a run failed or diverged, in words for the user. */
  reason: z.string().optional(),
  summary: runSummarySchema.optional(),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

/** One line of metrics.jsonl. */
export const metricsLineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('losses'), start: z.number().int().min(0), values: z.array(z.number().nullable()) }),
  z.object({
    type: z.literal('evaluation'),
    iteration: z.number().int(),
    epoch: z.number(),
    trainAccuracy: z.number().nullable(),
    testAccuracy: z.number().nullable(),
    trainLoss: z.number().nullable(),
    testLoss: z.number().nullable(),
    final: z.boolean(),
  }),
]);
export type MetricsLine = z.infer<typeof metricsLineSchema>;

/** A listed run: a readable record, or a directory that could not be read, with why. */
export type RunListing =
  | { readonly kind: 'ok'; readonly record: RunRecord }
  | { readonly kind: 'damaged' | 'future-version'; readonly id: string; readonly problem: string };
