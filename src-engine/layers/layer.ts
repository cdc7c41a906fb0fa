import type { DType } from '../backend';
import { Tensor } from '../tensor';

/**
 * A computational-graph layer as in the book: forward keeps what backward needs, backward returns the
 * gradient with respect to the input. Outputs live in buffers owned by the layer and are reused by the next
 * call with the same shape (training allocates nothing per iteration): clone a result to keep it.
 */
export interface Layer {
  readonly name: string;
  forward(x: Tensor, train: boolean): Tensor;
  backward(dout: Tensor): Tensor;
}

/** A layer whose parameters the optimizer updates; grads are filled by backward. */
export interface ParameterLayer extends Layer {
  readonly params: Readonly<Record<string, Tensor>>;
  readonly grads: Readonly<Record<string, Tensor>>;
}

/** Returns `current` when it already has this shape and dtype, else a fresh zero tensor. */
export function reuse(current: Tensor | undefined, shape: readonly number[], dtype: DType): Tensor {
  if (current && current.dtype === dtype && current.shape.length === shape.length && current.shape.every((d, i) => d === shape[i])) {
    return current;
  }
  return Tensor.zeros(shape, dtype);
}
