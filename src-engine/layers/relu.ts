import type { TensorOps } from '../ops';
import type { Tensor } from '../tensor';
import { reuse, type Layer } from './layer';

/**
 * ReLU: out = max(x, 0). Forward remembers mask = (x > 0); backward passes dout where the mask is set and 0
 * elsewhere, so the gradient at exactly 0 is 0, as in the book.
 */
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

  forward(x: Tensor): Tensor {
    if (this.mask.length !== x.size) this.mask = new Uint8Array(x.size);
    this.out = reuse(this.out, x.shape, x.dtype);
    this.ops.reluForward(x, this.out, this.mask);
    return this.out;
  }

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
