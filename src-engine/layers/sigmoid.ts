import type { TensorOps } from '../ops';
import type { Tensor } from '../tensor';
import { reuse, type Layer } from './layer';

/** The book's Sigmoid: backward needs only the output it keeps. */
export class Sigmoid implements Layer {
  readonly name: string;
  private readonly ops: TensorOps;
  private out: Tensor | undefined;
  private dx: Tensor | undefined;

  constructor(ops: TensorOps, name = 'Sigmoid') {
    this.ops = ops;
    this.name = name;
  }

  /** out = 1 / (1 + exp(-x)) */
  forward(x: Tensor): Tensor {
    this.out = reuse(this.out, x.shape, x.dtype);
    this.ops.sigmoidForward(x, this.out);
    return this.out;
  }

  /** dx = dout * (1 - out) * out */
  backward(dout: Tensor): Tensor {
    if (!this.out) throw new Error(`${this.name}.backward called before forward`);
    this.dx = reuse(this.dx, dout.shape, dout.dtype);
    this.ops.sigmoidBackward(dout, this.out, this.dx);
    return this.dx;
  }
}
