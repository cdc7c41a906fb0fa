import type { TensorOps } from '../ops';
import { describeShape, Tensor } from '../tensor';
import { windowOutput, type Window } from '../window';
import { reuse, type ParameterLayer } from './layer';

/**
 * The book's Convolution (common/layers.py): im2col turns every window of the input into a row, so the
 * convolution is one matrix product with the filters W (FN, C, FH, FW) read as (FN, C*FH*FW). W and b are
 * held by reference, like Affine's.
 */
export class Convolution implements ParameterLayer {
  readonly name: string;
  readonly W: Tensor;
  readonly b: Tensor;
  readonly dW: Tensor;
  readonly db: Tensor;
  readonly window: Window;
  /** The first layer's dx is never used: skipping it saves the col2im and a third of the products. */
  computeInputGradient: boolean;
  private readonly ops: TensorOps;
  /** W and dW as (FN, C*FH*FW) matrices: views of the same data. */
  private readonly filters: Tensor;
  private readonly dFilters: Tensor;
  private x: Tensor | undefined;
  private col: Tensor | undefined;
  private rows: Tensor | undefined;
  private out: Tensor | undefined;
  private doutRows: Tensor | undefined;
  private dcol: Tensor | undefined;
  private dx: Tensor | undefined;
  private inputDcol: Tensor | undefined;
  private inputDx: Tensor | undefined;

  constructor(W: Tensor, b: Tensor, ops: TensorOps, options: { stride: number; pad: number; name?: string; computeInputGradient?: boolean }) {
    if (W.shape.length !== 4 || b.shape.length !== 1 || b.shape[0] !== W.shape[0]) {
      throw new RangeError(`Convolution: W ${describeShape(W.shape)} and b ${describeShape(b.shape)} do not fit (W is (FN, C, FH, FW), b is (FN))`);
    }
    if (W.dtype !== b.dtype) throw new TypeError(`Convolution: W is ${W.dtype} but b is ${b.dtype}`);
    const [fn, c, fh, fw] = W.shape;
    this.W = W;
    this.b = b;
    this.dW = Tensor.zeros(W.shape, W.dtype);
    this.db = Tensor.zeros(b.shape, b.dtype);
    this.filters = W.reshape([fn, c * fh * fw]);
    this.dFilters = this.dW.reshape([fn, c * fh * fw]);
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

  /** col = im2col(x); out = col W^T + b, (N*out_h*out_w, FN) rows turned into (N, FN, out_h, out_w) images */
  forward(x: Tensor): Tensor {
    const [fn, c] = this.W.shape;
    if (x.shape.length !== 4 || x.shape[1] !== c) throw new RangeError(`${this.name}: x ${describeShape(x.shape)} is not a batch of ${c}-channel images (N, ${c}, H, W)`);
    const n = x.shape[0];
    const [outH, outW] = windowOutput(this.name, x.shape, this.window);
    this.x = x;
    this.col = reuse(this.col, [n * outH * outW, this.filters.shape[1]], this.W.dtype);
    this.ops.im2col(x, this.window, this.col);
    this.rows = reuse(this.rows, [n * outH * outW, fn], this.W.dtype);
    this.ops.matmulTransposedB(this.col, this.filters, this.rows);
    this.ops.addRowVector(this.rows, this.b);
    this.out = reuse(this.out, [n, fn, outH, outW], this.W.dtype);
    this.ops.channelsFirst(this.rows, this.out);
    return this.out;
  }

  /** dout as rows (N*out_h*out_w, FN): db = dout.sum(axis=0), dW = dout^T col, dx = col2im(dout W) */
  backward(dout: Tensor): Tensor {
    const { x, col } = this;
    if (!x || !col) throw new Error(`${this.name}.backward called before forward`);
    this.doutRows = reuse(this.doutRows, [col.shape[0], this.W.shape[0]], this.W.dtype);
    this.ops.channelsLast(dout, this.doutRows);
    this.ops.sumRows(this.doutRows, this.db);
    this.ops.matmulTransposedA(this.doutRows, col, this.dFilters);
    this.dx = reuse(this.dx, this.computeInputGradient ? x.shape : [0], this.W.dtype);
    if (this.computeInputGradient) {
      this.dcol = reuse(this.dcol, col.shape, this.W.dtype);
      this.ops.matmul(this.doutRows, this.filters, this.dcol);
      this.ops.col2im(this.dcol, this.window, this.dx);
    }
    return this.dx;
  }

  /**
   * dx = col2im(dout W) alone, whatever computeInputGradient says and without touching dW and db: for
   * questions about the input itself (the saliency map), never called by training.
   */
  inputGradient(dout: Tensor): Tensor {
    const { x, col } = this;
    if (!x || !col) throw new Error(`${this.name}.inputGradient called before forward`);
    this.doutRows = reuse(this.doutRows, [col.shape[0], this.W.shape[0]], this.W.dtype);
    this.ops.channelsLast(dout, this.doutRows);
    this.inputDcol = reuse(this.inputDcol, col.shape, this.W.dtype);
    this.ops.matmul(this.doutRows, this.filters, this.inputDcol);
    this.inputDx = reuse(this.inputDx, x.shape, this.W.dtype);
    this.ops.col2im(this.inputDcol, this.window, this.inputDx);
    return this.inputDx;
  }
}
