import type { StoredEvaluation } from './run-record';

/**
 * A run stuck at chance — the loss at ln(classes), the accuracy at 1 / classes: what a network whose outputs
 * stay uniform scores (too large a learning rate that killed every ReLU, a deep net's tiny init, labels that
 * do not match the images). Judged on the last `evaluations` evaluations, so a run that starts slowly and
 * then learns is not flagged, and one that learned and then collapsed is.
 */
export const STALL_RULE = {
  evaluations: 3,
  /** Accuracy below this many times chance (15 % for 10 classes). */
  accuracyOverChance: 1.5,
  /** Loss within this of ln(classes). */
  lossMargin: 0.1,
} as const;

type Measured = Pick<StoredEvaluation, 'testAccuracy' | 'testLoss' | 'trainLoss'>;

const percent = (value: number): string => `${(value * 100).toFixed(1)} %`;

/**
 * Why the run looks stuck at chance, with what to try, or undefined when it does not (fewer evaluations than
 * the rule needs, any of them better than chance, or not measured: a diverged run's NaN is its own status).
 */
export function stalledAtChance(evaluations: readonly Measured[], classes: number): string | undefined {
  if (classes < 2 || evaluations.length < STALL_RULE.evaluations) return undefined;
  const chanceLoss = Math.log(classes);
  const recent = evaluations.slice(-STALL_RULE.evaluations);
  const atChance = recent.every((e) => {
    const loss = e.testLoss ?? e.trainLoss;
    return e.testAccuracy !== null && e.testAccuracy < STALL_RULE.accuracyOverChance / classes && loss !== null && Math.abs(loss - chanceLoss) <= STALL_RULE.lossMargin;
  });
  if (!atChance) return undefined;
  const last = recent.at(-1)!;
  const loss = last.testLoss ?? last.trainLoss ?? chanceLoss;
  return (
    `stuck at chance: test accuracy ${percent(last.testAccuracy ?? 0)} and loss ${loss.toFixed(2)} ≈ ln ${classes} over the last ${recent.length} evaluations; ` +
    'try a smaller learning rate, He init for ReLU, or check the data'
  );
}
