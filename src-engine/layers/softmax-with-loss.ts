import type { Targets, TensorOps } from '../ops';
import type { Tensor } from '../tensor';
import { reuse } from './layer';

/**
 * Softmax followed by the cross-entropy error, as one layer so that backward is simply (y - t) / N.
 * The softmax is taken per row (each sample independently); the loss has `delta` inside the log, which
 * the gradient does not see (the book's choice, and the reason its gradient check is not exact).
 */
export class SoftmaxWithLoss {
  readonly name: string;
  delta: number;
  loss = NaN;
  private readonly ops: TensorOps;
  private y: Tensor | undefined;
  private t: Targets | undefined;
  private dx: Tensor | undefined;

  constructor(ops: TensorOps, options: { delta?: number; name?: string } = {}) {
    this.ops = ops;
    this.delta = options.delta ?? 1e-7;
    this.name = options.name ?? 'SoftmaxWithLoss';
  }

  /** The softmax output of the last forward. */
  get output(): Tensor | undefined {
    return this.y;
  }

  /** y = softmax(x); loss = -sum(log(y[t] + delta)) / N. */
  forward(x: Tensor, t: Targets): number {
    this.y = reuse(this.y, x.shape, x.dtype);
    this.t = t;
    this.loss = this.ops.softmaxCrossEntropy(x, t, this.y, this.delta);
    return this.loss;
  }

  /** dx = (y - t) / N. The upstream gradient is ignored, as in the book (it is 1 for a loss). */
  backward(): Tensor {
    if (!this.y || !this.t) throw new Error(`${this.name}.backward called before forward`);
    this.dx = reuse(this.dx, this.y.shape, this.y.dtype);
    this.ops.softmaxCrossEntropyBackward(this.y, this.t, this.dx);
    return this.dx;
  }
}
