import type { TensorOps } from '../ops';
import type { Rng } from '../rng';
import type { Tensor } from '../tensor';
import { reuse, type Layer } from './layer';

/**
 * Dropout as the book has it: no rescaling while training, scaled by (1 - ratio) at inference. The inverted
 * variant scales the kept units by 1/(1 - ratio) while training and passes everything through at inference,
 * so both give the same expected activation.
 */
export class Dropout implements Layer {
  readonly name: string;
  readonly ratio: number;
  readonly inverted: boolean;
  /** A gradient check needs the same mask on every forward: freeze it after one training forward. */
  frozen = false;
  private readonly ops: TensorOps;
  private readonly rng: Rng;
  private mask: Tensor | undefined;
  private out: Tensor | undefined;
  private dx: Tensor | undefined;

  constructor(ops: TensorOps, rng: Rng, options: { ratio: number; inverted: boolean; name?: string }) {
    this.ops = ops;
    this.rng = rng;
    this.ratio = options.ratio;
    this.inverted = options.inverted;
    this.name = options.name ?? 'Dropout';
  }

  /** Training: out = x * mask, mask = (U[0,1) > ratio); inference: out = x * (1 - ratio) */
  forward(x: Tensor, train: boolean): Tensor {
    this.out = reuse(this.out, x.shape, x.dtype);
    if (!train) {
      this.ops.scale(x, this.inverted ? 1 : 1 - this.ratio, this.out);
      return this.out;
    }
    if (!this.frozen || !this.mask || this.mask.size !== x.size) {
      this.mask = reuse(this.mask, x.shape, x.dtype);
      const keep = this.inverted ? 1 / (1 - this.ratio) : 1;
      const mask = this.mask.data;
      for (let i = 0; i < mask.length; i++) mask[i] = this.rng.uniform() > this.ratio ? keep : 0;
    }
    this.ops.mul(x, this.mask, this.out);
    return this.out;
  }

  /** dx = dout * mask */
  backward(dout: Tensor): Tensor {
    if (!this.mask) throw new Error(`${this.name}.backward called before a training forward`);
    this.dx = reuse(this.dx, dout.shape, dout.dtype);
    this.ops.mul(dout, this.mask, this.dx);
    return this.dx;
  }

  /** The backward of the inference forward: dx = dout * (1 - ratio), or dout itself when inverted. */
  inferenceBackward(dout: Tensor): Tensor {
    this.dx = reuse(this.dx, dout.shape, dout.dtype);
    this.ops.scale(dout, this.inverted ? 1 : 1 - this.ratio, this.dx);
    return this.dx;
  }
}

/**
 * Runs `fn` with every layer of `dropouts` reusing one mask, drawn by `drawMasks` (a training forward) first,
 * so that a gradient check compares backprop and numerical gradients of one and the same network.
 */
export function withFrozenMasks<T>(dropouts: readonly Dropout[], drawMasks: () => void, fn: () => T): T {
  if (dropouts.length === 0) return fn();
  drawMasks();
  for (const d of dropouts) d.frozen = true;
  try {
    return fn();
  } finally {
    for (const d of dropouts) d.frozen = false;
  }
}
