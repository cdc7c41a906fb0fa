import { z } from 'zod';

/**
 * The workers of a sweep's job queue (see src-services/queue), as the Sweeps view shows them: where each
 * runs, how many trials it has finished, and the one it trains now.
 */

/** A worker's own id: its host, its pid and a random suffix ("lab-3.1234.9f2c"). */
const workerIdSchema = z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, ".", "_" or "-"').max(300);
const hostSchema = z.string().min(1).max(255);

/** Which worker trained a trial (run.json's `worker`). */
export const trialPlacementSchema = z.object({ id: workerIdSchema, host: hostSchema }).strict();
export type TrialPlacement = z.infer<typeof trialPlacementSchema>;

/** A trial a worker trains now: its sweep and its index there. */
const currentTrialSchema = z.object({ sweepId: z.string().max(200), trial: z.number().int().min(0), runId: z.string().max(200) }).strict();

/** A live worker as it registers itself, refreshed on every heartbeat. */
export const workerInfoSchema = z
  .object({
    id: workerIdSchema,
    host: hostSchema,
    pid: z.number().int().min(1),
    concurrency: z.number().int().min(1).max(256),
    /** Trials it finished since it started (whatever their status). */
    trialsDone: z.number().int().min(0),
    current: z.array(currentTrialSchema).max(256),
    startedAt: z.string().max(40),
    seenAt: z.string().max(40),
  })
  .strict();
export type WorkerInfo = z.infer<typeof workerInfoSchema>;
