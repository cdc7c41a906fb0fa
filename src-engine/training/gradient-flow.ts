import type { TensorOps } from '../ops';
import type { Tensor } from '../tensor';
import type { WeightLayer } from '../networks/trainable-network';

/**
 * How the gradient flows back through one layer with weights (Affine or Convolution) at one update: the chapter 6 picture of vanishing
 * gradients (a deep sigmoid net with std 0.01 weights: the first layers' gradients are orders of magnitude
 * smaller than the last one's) and of BatchNorm restoring them, as numbers over training.
 */
export interface LayerGradientFlow {
  /** ‖∂L/∂W‖ = sqrt(Σ dW²), the gradient the optimizer applies (weight decay's λW included). */
  readonly weightNorm: number;
  /** ‖∂L/∂b‖ = sqrt(Σ db²). */
  readonly biasNorm: number;
  /** ‖W_after − W_before‖ / ‖W_before‖: how far the update moved the weights relative to their size (SGD: lr·‖dW‖/‖W‖). */
  readonly updateRatio: number;
}

/**
 * Makes one update through `update` and measures it, per layer with weights in forward order (Conv1, ..., Affine1, ...): the norms of its
 * gradients before the update and the update-to-weight ratio after it. `scratch[l]` must hold as many
 * values as layer l's W; it receives −W_before and then W_after − W_before. Every loop is a backend kernel.
 */
export function measureGradientFlow(affines: readonly WeightLayer[], ops: TensorOps, scratch: readonly Tensor[], update: () => void): LayerGradientFlow[] {
  const before = affines.map((affine, l) => {
    // scratch = −W_before (negation is exact).
    ops.scale(affine.W, -1, scratch[l]);
    return { weightNorm: Math.sqrt(ops.sumSquares(affine.dW)), biasNorm: Math.sqrt(ops.sumSquares(affine.db)), weightSquares: ops.sumSquares(affine.W) };
  });
  update();
  return affines.map((affine, l) => {
    // scratch += W_after, i.e. W_after − W_before.
    ops.addScaled(scratch[l], 1, affine.W);
    const { weightNorm, biasNorm, weightSquares } = before[l];
    return { weightNorm, biasNorm, updateRatio: Math.sqrt(ops.sumSquares(scratch[l])) / Math.sqrt(weightSquares) };
  });
}
