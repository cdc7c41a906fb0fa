/**
 * Names on the sweep queue's Redis server. Every sweep shares one BullMQ queue; a trial's job id is its sweep's
 * id and its index, so putting a trial on the queue again (a coordinator that restarts) finds the same job.
 */
export const TRIAL_QUEUE = 'backprop-trials';
/** BullMQ's key prefix (its default), under which this project's own keys live too. */
const PREFIX = 'bull';

/** BullMQ refuses ':' in custom ids; sweep ids are run ids (letters, digits, '.', '_', '-'). */
export const trialJobId = (sweepId: string, trial: number): string => `${sweepId}.trial-${trial}`;

/** The hash through which a worker sends a trial's checkpoint and metrics to the coordinator (see trial-files.ts). */
export const trialFilesKey = (jobId: string): string => `${PREFIX}:${TRIAL_QUEUE}:trial-files:${jobId}`;

/** A live worker's registration (see worker-registry.ts). */
export const workerKey = (workerId: string): string => `${PREFIX}:${TRIAL_QUEUE}:worker:${workerId}`;
export const WORKER_KEY_PATTERN = `${PREFIX}:${TRIAL_QUEUE}:worker:*`;
