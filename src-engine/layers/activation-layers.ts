import type { Backend } from '../backend';
import type { Tensor } from '../tensor';
import { describeShape, reuse, type Layer } from './layer';

/** ReLU: y = max(x, 0); it remembers mask = (x > 0), so the gradient at exactly 0 is 0 as in the book. */
export class Relu implements Layer {
  readonly name: string;
  private readonly backend: Backend;
  private mask: Uint8Array = new Uint8Array(0);
  private out: Tensor | undefined;
  private dx: Tensor | undefined;

  constructor(backend: Backend, name = 'Relu') {
    this.backend = backend;
    this.name = name;
  }

  forward(x: Tensor): Tensor {
    if (this.mask.length !== x.size) this.mask = new Uint8Array(x.size);
    this.out = reuse(this.out, x.shape, x.dtype);
    this.backend.reluForward(x.data, this.out.data, this.mask, x.size);
    return this.out;
  }

  backward(dout: Tensor): Tensor {
    if (!this.out || dout.size !== this.mask.length) {
      throw new RangeError(`${this.name}.backward: dout ${describeShape(dout.shape)} does not match the last forward`);
    }
    this.dx = reuse(this.dx, dout.shape, dout.dtype);
    this.backend.reluBackward(dout.data, this.mask, this.dx.data, dout.size);
    return this.dx;
  }

  /** The mask of the last forward: 1 where the input was positive. */
  get lastMask(): Uint8Array {
    return this.mask;
  }
}

/** Sigmoid: y = 1/(1+exp(-x)); backward uses the stored output: dx = dout * (1 - y) * y. */
export class Sigmoid implements Layer {
  readonly name: string;
  private readonly backend: Backend;
  private out: Tensor | undefined;
  private dx: Tensor | undefined;

  constructor(backend: Backend, name = 'Sigmoid') {
    this.backend = backend;
    this.name = name;
  }

  forward(x: Tensor): Tensor {
    this.out = reuse(this.out, x.shape, x.dtype);
    this.backend.sigmoidForward(x.data, this.out.data, x.size);
    return this.out;
  }

  backward(dout: Tensor): Tensor {
    if (!this.out || dout.size !== this.out.size) {
      throw new RangeError(`${this.name}.backward: dout ${describeShape(dout.shape)} does not match the last forward`);
    }
    this.dx = reuse(this.dx, dout.shape, dout.dtype);
    this.backend.sigmoidBackward(dout.data, this.out.data, this.dx.data, dout.size);
    return this.dx;
  }
}
