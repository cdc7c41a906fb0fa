import type { Backend } from '../backend';
import type { Rng } from '../rng';
import type { Tensor } from '../tensor';
import { describeShape, reuse, type Layer } from './layer';

/**
 * Dropout as the book has it: while training, keep each unit where U[0,1) > ratio (no rescaling), and at
 * inference scale by (1 - ratio). The inverted variant scales the kept units by 1/(1 - ratio) while training
 * and passes everything through at inference, so both give the same expected activation.
 */
export class Dropout implements Layer {
  readonly name: string;
  readonly ratio: number;
  readonly inverted: boolean;
  /** A gradient check needs the same mask on every forward: freeze it after one training forward. */
  frozen = false;
  private readonly backend: Backend;
  private readonly rng: Rng;
  private mask: Tensor | undefined;
  private out: Tensor | undefined;
  private dx: Tensor | undefined;

  constructor(backend: Backend, rng: Rng, options: { ratio: number; inverted: boolean; name?: string }) {
    this.backend = backend;
    this.rng = rng;
    this.ratio = options.ratio;
    this.inverted = options.inverted;
    this.name = options.name ?? 'Dropout';
  }

  forward(x: Tensor, train: boolean): Tensor {
    this.out = reuse(this.out, x.shape, x.dtype);
    if (!train) {
      this.backend.axpby(this.inverted ? 1 : 1 - this.ratio, x.data, 0, this.out.data, x.size);
      return this.out;
    }
    if (!this.frozen || !this.mask || this.mask.size !== x.size) {
      this.mask = reuse(this.mask, x.shape, x.dtype);
      const keep = this.inverted ? 1 / (1 - this.ratio) : 1;
      const mask = this.mask.data;
      for (let i = 0; i < mask.length; i++) mask[i] = this.rng.uniform() > this.ratio ? keep : 0;
    }
    this.backend.mul(x.data, this.mask.data, this.out.data, x.size);
    return this.out;
  }

  backward(dout: Tensor): Tensor {
    if (!this.mask || dout.size !== this.mask.size) throw new RangeError(`${this.name}.backward: dout ${describeShape(dout.shape)} does not match the last training forward`);
    this.dx = reuse(this.dx, dout.shape, dout.dtype);
    this.backend.mul(dout.data, this.mask.data, this.dx.data, dout.size);
    return this.dx;
  }
}
