import type { StoredEvaluation } from '../run-record';

/** Evaluations that keep their gradient flow in one reply or one page: a point per pixel of a wide chart, and then some. */
export const MAX_GRADIENT_SAMPLES = 2048;

/** The evaluation without its gradient flow. */
function withoutGradients(evaluation: StoredEvaluation): StoredEvaluation {
  const { gradients: _gradients, ...rest } = evaluation;
  return rest;
}

/**
 * Keeps the gradient flow on at most `limit` + 1 evaluations of a list that grows at its end, spread evenly
 * over the run, plus always the latest: every `stride`-th evaluation that has one keeps it, and once more
 * than `limit` do, every other of them loses it and the stride doubles. The evaluations themselves all stay
 * (the accuracy charts read every one); only the per-layer numbers are dropped.
 */
export class GradientThinning {
  private stride = 1;
  private seen = 0;
  /** Indices in the list of the evaluations kept on the stride, oldest first. */
  private kept: number[] = [];
  /** The latest evaluation's index when it keeps its gradients off the stride (until the next one arrives). */
  private latest: number | undefined;

  /** `limit` is even, so that the evaluation just kept on the stride is among those a halving keeps. */
  constructor(private readonly limit = MAX_GRADIENT_SAMPLES) {
    if (limit < 2 || limit % 2 !== 0) throw new RangeError(`GradientThinning: the limit must be an even number of at least 2, got ${limit}`);
  }

  /** Appends `evaluation` to `list` (which only this grows), its gradient flow kept or dropped as above. */
  push(list: StoredEvaluation[], evaluation: StoredEvaluation): void {
    if (!evaluation.gradients) {
      list.push(evaluation);
      return;
    }
    if (this.latest !== undefined) list[this.latest] = withoutGradients(list[this.latest]!);
    this.latest = undefined;
    list.push(evaluation);
    const index = list.length - 1;
    if (this.seen++ % this.stride !== 0) {
      this.latest = index;
      return;
    }
    this.kept.push(index);
    if (this.kept.length <= this.limit) return;
    this.kept = this.kept.filter((kept, i) => {
      if (i % 2 === 0) return true;
      list[kept] = withoutGradients(list[kept]!);
      return false;
    });
    this.stride *= 2;
  }
}
