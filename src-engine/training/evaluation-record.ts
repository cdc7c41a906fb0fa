import type { LayerGradientFlow } from './gradient-flow';

/** What one evaluation measured: accuracy and mean loss on the training and test splits after an update. */
export interface EvaluationRecord {
  readonly iteration: number;
  /** Epochs completed (iteration / iterations-per-epoch), fractional for other schedules. */
  readonly epoch: number;
  readonly trainAccuracy: number;
  readonly testAccuracy: number;
  readonly trainLoss: number;
  readonly testLoss: number;
  /** True for the extra evaluation after the last update when the schedule did not land on it. */
  readonly final: boolean;
  /**
   * Per Affine layer (Affine1 first), the gradient of the update that made these weights (update number
   * `iteration`). Absent where none was measured: runs recorded before it, and evaluations made on request.
   */
  readonly gradients?: readonly LayerGradientFlow[];
}
