import type { Backend } from '../backend';
import { Tensor } from '../tensor';
import { describeShape, reuse } from './layer';

/** Class labels as indices (one per row), or one-hot rows in a tensor of the scores' shape. */
export type Targets = Int32Array | Tensor;

/**
 * Softmax followed by the cross-entropy error, as one layer so that backward is simply (y - t) / N.
 * The softmax is taken per row (each sample independently); the loss has `delta` inside the log, which
 * the gradient does not see (the book's choice, and the reason its gradient check is not exact).
 */
export class SoftmaxWithLoss {
  readonly name: string;
  delta: number;
  loss = NaN;
  private readonly backend: Backend;
  private y: Tensor | undefined;
  private labels: Int32Array = new Int32Array(0);
  private oneHot: Tensor | undefined;
  private dx: Tensor | undefined;

  constructor(backend: Backend, options: { delta?: number; name?: string } = {}) {
    this.backend = backend;
    this.delta = options.delta ?? 1e-7;
    this.name = options.name ?? 'SoftmaxWithLoss';
  }

  /** The softmax output of the last forward. */
  get output(): Tensor | undefined {
    return this.y;
  }

  forward(x: Tensor, t: Targets): number {
    // A 1-D score vector is one sample, as the book promotes it.
    const rows = x.shape.length === 1 ? 1 : x.shape[0];
    const cols = rows === 0 ? 0 : x.size / rows;
    this.y = reuse(this.y, x.shape, x.dtype);
    if (t instanceof Tensor) {
      if (t.size !== x.size) {
        throw new RangeError(`${this.name}: one-hot targets ${describeShape(t.shape)} do not match scores ${describeShape(x.shape)}`);
      }
      // Like the book, the loss reads the label as the argmax of each one-hot row.
      if (this.labels.length !== rows) this.labels = new Int32Array(rows);
      this.backend.argmaxRows(t.data, rows, cols, this.labels);
      this.oneHot = t;
    } else {
      if (t.length !== rows) throw new RangeError(`${this.name}: ${t.length} labels for ${rows} score rows`);
      this.labels = t;
      this.oneHot = undefined;
    }
    this.loss = this.backend.softmaxCrossEntropy(x.data, this.labels, this.y.data, rows, cols, this.delta);
    return this.loss;
  }

  /** dx = (y - t) / N. The upstream gradient is ignored, as in the book (it is 1 for a loss). */
  backward(): Tensor {
    const y = this.y;
    if (!y) throw new Error(`${this.name}.backward called before forward`);
    const rows = y.shape.length === 1 ? 1 : y.shape[0];
    const cols = rows === 0 ? 0 : y.size / rows;
    this.dx = reuse(this.dx, y.shape, y.dtype);
    if (this.oneHot) {
      this.dx.data.set(y.data);
      this.backend.axpby(-1 / rows, this.oneHot.data, 1 / rows, this.dx.data, y.size);
    } else {
      this.backend.softmaxCrossEntropyBackward(y.data, this.labels, this.dx.data, rows, cols);
    }
    return this.dx;
  }
}
