import type { TensorOps } from '../ops';
import { describeShape, Tensor } from '../tensor';
import { windowOutput, type Window } from '../window';
import { reuse, type ParameterLayer } from './layer';

/**
 * The book's Convolution (common/layers.py): im2col turns every window of the input into a row, so the
 * convolution is one matrix product with the filters W (FN, C, FH, FW) read as (FN, C*FH*FW):
 * out = col W^T + b, then turned into (N, FN, out_h, out_w) images. The backend computes those very sums in
 * one kernel per pass (ops.convForward, convBackwardFilters, convBackwardInput; the definition in
 * backends/ts/convolution.ts, the im2col form in the tests), never building col. W and b are held by
 * reference, like Affine's.
 */
export class Convolution implements ParameterLayer {
  readonly name: string;
  readonly W: Tensor;
  readonly b: Tensor;
  readonly dW: Tensor;
  readonly db: Tensor;
  readonly window: Window;
  /** The first layer's dx is never used: skipping it saves a third of the work. */
  computeInputGradient: boolean;
  private readonly ops: TensorOps;
  private x: Tensor | undefined;
  private out: Tensor | undefined;
  private dx: Tensor | undefined;
  private inputDx: Tensor | undefined;

  constructor(W: Tensor, b: Tensor, ops: TensorOps, options: { stride: number; pad: number; name?: string; computeInputGradient?: boolean }) {
    if (W.shape.length !== 4 || b.shape.length !== 1 || b.shape[0] !== W.shape[0]) {
      throw new RangeError(`Convolution: W ${describeShape(W.shape)} and b ${describeShape(b.shape)} do not fit (W is (FN, C, FH, FW), b is (FN))`);
    }
    if (W.dtype !== b.dtype) throw new TypeError(`Convolution: W is ${W.dtype} but b is ${b.dtype}`);
    const [, , fh, fw] = W.shape;
    this.W = W;
    this.b = b;
    this.dW = Tensor.zeros(W.shape, W.dtype);
    this.db = Tensor.zeros(b.shape, b.dtype);
    this.window = { height: fh, width: fw, stride: options.stride, pad: options.pad };
    this.ops = ops;
    this.name = options.name ?? 'Convolution';
    this.computeInputGradient = options.computeInputGradient ?? true;
  }

  get params(): Readonly<Record<string, Tensor>> {
    return { W: this.W, b: this.b };
  }

  get grads(): Readonly<Record<string, Tensor>> {
    return { W: this.dW, b: this.db };
  }

  /** out = col W^T + b with col = im2col(x), as (N, FN, out_h, out_w) images */
  forward(x: Tensor): Tensor {
    const [fn, c] = this.W.shape;
    if (x.shape.length !== 4 || x.shape[1] !== c) throw new RangeError(`${this.name}: x ${describeShape(x.shape)} is not a batch of ${c}-channel images (N, ${c}, H, W)`);
    const [outH, outW] = windowOutput(this.name, x.shape, this.window);
    this.x = x;
    this.out = reuse(this.out, [x.shape[0], fn, outH, outW], this.W.dtype);
    this.ops.convForward(x, this.W, this.b, this.window, this.out);
    return this.out;
  }

  /** db = dout.sum over (N, out_h, out_w), dW = dout^T col, dx = col2im(dout W) */
  backward(dout: Tensor): Tensor {
    const { x } = this;
    if (!x) throw new Error(`${this.name}.backward called before forward`);
    this.ops.convBackwardFilters(x, dout, this.window, this.dW, this.db);
    this.dx = reuse(this.dx, this.computeInputGradient ? x.shape : [0], this.W.dtype);
    if (this.computeInputGradient) this.ops.convBackwardInput(dout, this.W, this.window, this.dx);
    return this.dx;
  }

  /**
   * dx = col2im(dout W) alone, whatever computeInputGradient says and without touching dW and db: for
   * questions about the input itself (the saliency map), never called by training.
   */
  inputGradient(dout: Tensor): Tensor {
    const { x } = this;
    if (!x) throw new Error(`${this.name}.inputGradient called before forward`);
    this.inputDx = reuse(this.inputDx, x.shape, this.W.dtype);
    this.ops.convBackwardInput(dout, this.W, this.window, this.inputDx);
    return this.inputDx;
  }
}
