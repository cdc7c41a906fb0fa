import type { TensorOps } from '../ops';
import type { Tensor } from '../tensor';
import { reuse, type Layer } from './layer';

/** The book's Relu. Its gradient at exactly 0 is 0, as in the book (the mask is x > 0). */
export class Relu implements Layer {
  readonly name: string;
  private readonly ops: TensorOps;
  private mask = new Uint8Array(0);
  private out: Tensor | undefined;
  private dx: Tensor | undefined;

  constructor(ops: TensorOps, name = 'Relu') {
    this.ops = ops;
    this.name = name;
  }

  /** out = max(x, 0), keeping mask = (x > 0) */
  forward(x: Tensor): Tensor {
    if (this.mask.length !== x.size) this.mask = new Uint8Array(x.size);
    this.out = reuse(this.out, x.shape, x.dtype);
    this.ops.reluForward(x, this.out, this.mask);
    return this.out;
  }

  /** dx = dout where mask, else 0 */
  backward(dout: Tensor): Tensor {
    this.dx = reuse(this.dx, dout.shape, dout.dtype);
    this.ops.reluBackward(dout, this.mask, this.dx);
    return this.dx;
  }

  /** The mask of the last forward: 1 where the input was positive. */
  get lastMask(): Uint8Array {
    return this.mask;
  }
}
