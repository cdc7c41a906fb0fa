import { z } from 'zod';
import { trainConfigSchema } from './config';
import { trialPlacementSchema } from './queue-worker-info';
import { backendNameSchema, RUN_ID_PATTERN, runSummarySchema, storedEvaluationSchema } from './run-record';
import { sweepTagSchema } from './sweep';

/**
 * What travels through a sweep's job queue (BullMQ on Redis, see src-services/queue): the job a coordinator
 * puts there for each trial, the progress a worker reports while it trains it, and what it returns at the end.
 * Each side validates what it reads: a queue is shared, and a message may come from anything that can write
 * to the Redis server.
 */

/** The largest checkpoint a worker sends back (a SimpleConvNet's weights and optimizer state are a few MB). */
export const MAX_TRIAL_CHECKPOINT_BYTES = 256 * 2 ** 20;
/** The largest metrics.jsonl a worker sends back (a 100,000-iteration run's losses are about 2 MB). */
export const MAX_TRIAL_METRICS_BYTES = 64 * 2 ** 20;

const runId = z.string().regex(RUN_ID_PATTERN, 'must be letters, digits, ".", "_" or "-"').max(200);

/** A dataset as the coordinator checked it: a name for messages and the SHA-256 of its four files. */
const datasetIdentitySchema = z
  .object({
    name: z.string().min(1).max(200),
    checksum: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex'),
  })
  .strict();
export type DatasetIdentity = z.infer<typeof datasetIdentitySchema>;

/** One trial on the queue: the run the coordinator keeps for it, its validated config, and its dataset. */
export const trialJobSchema = z
  .object({
    runId,
    name: z.string().min(1).max(200),
    sweep: sweepTagSchema.extend({ id: runId, name: z.string().max(200), trial: z.number().int().min(0).max(9_999) }),
    config: trainConfigSchema,
    dataset: datasetIdentitySchema,
  })
  .strict();
export type TrialJob = z.infer<typeof trialJobSchema>;

/** What a worker reports while it trains a trial (BullMQ job progress). */
export const trialProgressSchema = z.discriminatedUnion('type', [
  /** It started the trial: from scratch, or from the checkpoint an earlier worker sent (at that iteration). */
  z.object({ type: z.literal('started'), worker: trialPlacementSchema, resumedFrom: z.number().int().min(0).nullable() }).strict(),
  z.object({ type: z.literal('evaluation'), worker: trialPlacementSchema, evaluation: storedEvaluationSchema }).strict(),
]);
export type TrialProgress = z.infer<typeof trialProgressSchema>;

/** How a trial ended, as its worker returns it (the files themselves come through the trial's file relay). */
export const trialResultSchema = z
  .object({
    status: z.enum(['completed', 'stopped', 'failed', 'diverged']),
    reason: z.string().max(2000).optional(),
    summary: runSummarySchema.optional(),
    backend: backendNameSchema.optional(),
    backendNote: z.string().max(1000).optional(),
    stalled: z.string().max(1000).optional(),
    finishedAt: z.string().max(40),
    worker: trialPlacementSchema,
  })
  .strict();
export type TrialResult = z.infer<typeof trialResultSchema>;
