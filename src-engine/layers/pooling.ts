import type { TensorOps } from '../ops';
import { describeShape, type Tensor } from '../tensor';
import { windowOutput, type Window } from '../window';
import { reuse, type Layer } from './layer';

/**
 * The book's max Pooling (common/layers.py): each channel's windows reduced to their maximum. Backward sends
 * each window's gradient to the position of its maximum, the first one when several tie (np.argmax).
 */
export class Pooling implements Layer {
  readonly name: string;
  readonly window: Window;
  private readonly ops: TensorOps;
  /** Per output value, the index ky * FW + kx of its window's maximum. */
  private argmax = new Int32Array(0);
  private xShape: readonly number[] | undefined;
  private out: Tensor | undefined;
  private dx: Tensor | undefined;

  constructor(ops: TensorOps, options: { height: number; width: number; stride: number; pad?: number; name?: string }) {
    this.ops = ops;
    this.window = { height: options.height, width: options.width, stride: options.stride, pad: options.pad ?? 0 };
    this.name = options.name ?? 'Pooling';
  }

  /** out[n, c, i, j] = max over the window (i, j) of channel c, keeping argmax */
  forward(x: Tensor): Tensor {
    if (x.shape.length !== 4) throw new RangeError(`${this.name}: x ${describeShape(x.shape)} is not a batch of images (N, C, H, W)`);
    const [n, c] = x.shape;
    const [outH, outW] = windowOutput(this.name, x.shape, this.window);
    this.xShape = x.shape;
    this.out = reuse(this.out, [n, c, outH, outW], x.dtype);
    if (this.argmax.length !== this.out.size) this.argmax = new Int32Array(this.out.size);
    this.ops.maxPoolForward(x, this.window, this.out, this.argmax);
    return this.out;
  }

  /** dx = dout at each window's argmax, 0 elsewhere (overlapping windows add up) */
  backward(dout: Tensor): Tensor {
    if (!this.xShape) throw new Error(`${this.name}.backward called before forward`);
    this.dx = reuse(this.dx, this.xShape, dout.dtype);
    this.ops.maxPoolBackward(dout, this.argmax, this.window, this.dx);
    return this.dx;
  }
}
