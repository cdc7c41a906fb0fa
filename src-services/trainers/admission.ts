/**
 * What the supervisor weighs before it starts a queued run: the cores the trainers at work share, and the
 * memory they need together. Each run was checked alone against the budget when it was queued (a run that
 * cannot fit is refused there); these decide when it may start beside the others.
 */

/** Native kernel threads per trainer when `trainers` share `cores`: floor(cores / trainers), at least one. */
export function threadShare(cores: number, trainers: number): number {
  return Math.max(1, Math.floor(cores / Math.max(1, trainers)));
}

/**
 * Whether a run needing `next` bytes may start beside runs needing `working` bytes: their sum within the
 * budget, or nothing else at work (a lone run always starts; it fit the budget when it was queued).
 */
export function fitsBeside(working: readonly number[], next: number, budgetBytes: number): boolean {
  return working.length === 0 || working.reduce((sum, bytes) => sum + bytes, 0) + next <= budgetBytes;
}
