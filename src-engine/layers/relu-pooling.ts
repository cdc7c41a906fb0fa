import type { TensorOps } from '../ops';
import { describeShape, type Tensor } from '../tensor';
import { windowOutput, type Window } from '../window';
import { reuse, type Layer } from './layer';
import type { Pooling } from './pooling';
import type { Relu } from './relu';

/**
 * A Relu followed by a max Pooling, run as one backend kernel each way: the networks' fast path for that pair
 * (SimpleConvNet's Relu1 and Pool1). The two layers stay the readable definition, and what inspection runs
 * layer by layer; this gives the same numbers (relu-pooling.test.ts) without writing the ReLU'd image and its
 * mask: pooling max(0, x) is max(0, the window's max), and a window whose max is not positive passes no gradient.
 */
export class ReluPooling implements Layer {
  readonly name: string;
  readonly window: Window;
  private readonly ops: TensorOps;
  /** Per output value, the index ky * FW + kx of its window's maximum, or -1 where ReLU stops the gradient. */
  private argmax = new Int32Array(0);
  private xShape: readonly number[] | undefined;
  private out: Tensor | undefined;
  private dx: Tensor | undefined;

  constructor(ops: TensorOps, relu: Relu, pool: Pooling) {
    this.ops = ops;
    this.window = pool.window;
    this.name = `${relu.name}+${pool.name}`;
  }

  /** out[n, c, i, j] = max(0, the max over the window (i, j) of channel c), keeping argmax */
  forward(x: Tensor): Tensor {
    if (x.shape.length !== 4) throw new RangeError(`${this.name}: x ${describeShape(x.shape)} is not a batch of images (N, C, H, W)`);
    const [n, c] = x.shape;
    const [outH, outW] = windowOutput(this.name, x.shape, this.window);
    this.xShape = x.shape;
    this.out = reuse(this.out, [n, c, outH, outW], x.dtype);
    if (this.argmax.length !== this.out.size) this.argmax = new Int32Array(this.out.size);
    this.ops.reluMaxPoolForward(x, this.window, this.out, this.argmax);
    return this.out;
  }

  /** dx = dout at each window's argmax, 0 elsewhere and where ReLU stopped it */
  backward(dout: Tensor): Tensor {
    if (!this.xShape) throw new Error(`${this.name}.backward called before forward`);
    this.dx = reuse(this.dx, this.xShape, dout.dtype);
    this.ops.reluMaxPoolBackward(dout, this.argmax, this.window, this.dx);
    return this.dx;
  }
}
