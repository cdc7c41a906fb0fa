import type { TensorOps } from '../ops';
import type { Tensor } from '../tensor';
import { windowOutput } from '../window';
import type { Convolution } from './convolution';
import { reuse, type Layer } from './layer';
import type { Pooling } from './pooling';
import type { Relu } from './relu';

/**
 * A first Convolution followed by a Relu and a 2x2 stride-2 max Pooling, run as one backend kernel each way:
 * the networks' fast path for SimpleConvNet's Conv1, Relu1 and Pool1. The three layers stay the readable
 * definition, and what inspection runs layer by layer; this fills the convolution's dW and db with the same
 * sums (conv-relu-pooling.test.ts) without writing its output, the ReLU'd image, the mask or their gradients.
 * No input gradient: only a first layer (computeInputGradient false) is run this way.
 */
export class ConvReluPooling implements Layer {
  readonly name: string;
  private readonly ops: TensorOps;
  private readonly conv: Convolution;
  /** Per output value, the index ky * 2 + kx of its window's maximum, or -1 where ReLU stops the gradient. */
  private argmax = new Int32Array(0);
  private x: Tensor | undefined;
  private out: Tensor | undefined;
  private readonly noInput: Tensor;

  constructor(ops: TensorOps, conv: Convolution, relu: Relu, pool: Pooling) {
    this.ops = ops;
    this.conv = conv;
    this.name = `${conv.name}+${relu.name}+${pool.name}`;
    this.noInput = reuse(undefined, [0], conv.W.dtype);
  }

  /** out = max pooling of max(0, conv(x) + b) over 2x2 windows, keeping argmax */
  forward(x: Tensor): Tensor {
    const [outH, outW] = windowOutput(this.name, x.shape, this.conv.window);
    this.x = x;
    this.out = reuse(this.out, [x.shape[0] ?? 0, this.conv.W.shape[0] ?? 0, Math.floor(outH / 2), Math.floor(outW / 2)], this.conv.W.dtype);
    if (this.argmax.length !== this.out.size) this.argmax = new Int32Array(this.out.size);
    this.ops.convReluPoolForward(x, this.conv.W, this.conv.b, this.conv.window, this.out, this.argmax);
    return this.out;
  }

  /** dW, db of the convolution for the pooled gradient; the input gradient is not computed (an empty tensor) */
  backward(dout: Tensor): Tensor {
    if (!this.x) throw new Error(`${this.name}.backward called before forward`);
    this.ops.convReluPoolBackwardFilters(this.x, dout, this.argmax, this.conv.window, this.conv.dW, this.conv.db);
    return this.noInput;
  }
}
