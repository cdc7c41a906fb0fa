import { rowsOf, type Operand, type TensorOps } from '../ops';
import { describeShape, Tensor } from '../tensor';
import { reuse, type ParameterLayer } from './layer';

/**
 * The book's Affine. Input of any rank is read as (N, -1) and dx gets the input's shape back. W and b are
 * held by reference, so the optimizer's in-place updates and the numerical gradient's perturbations are seen
 * without copying. The first layer's x may also be a minibatch that multiplies itself (encoded images, see
 * InputBatch in ops.ts): the same products, computed its own way.
 */
export class Affine implements ParameterLayer {
  readonly name: string;
  readonly W: Tensor;
  readonly b: Tensor;
  readonly dW: Tensor;
  readonly db: Tensor;
  /** The first layer's dx is never used: skipping it saves a third of that layer's backward work. */
  computeInputGradient: boolean;
  private readonly ops: TensorOps;
  private x: Operand | undefined;
  private out: Tensor | undefined;
  private dx: Tensor | undefined;
  private inputDx: Tensor | undefined;

  constructor(W: Tensor, b: Tensor, ops: TensorOps, options: { name?: string; computeInputGradient?: boolean } = {}) {
    if (W.shape.length !== 2 || b.shape.length !== 1 || b.shape[0] !== W.shape[1]) {
      throw new RangeError(`Affine: W ${describeShape(W.shape)} and b ${describeShape(b.shape)} do not fit (W is (in, out), b is (out))`);
    }
    if (W.dtype !== b.dtype) throw new TypeError(`Affine: W is ${W.dtype} but b is ${b.dtype}`);
    this.W = W;
    this.b = b;
    this.dW = Tensor.zeros(W.shape, W.dtype);
    this.db = Tensor.zeros(b.shape, b.dtype);
    this.ops = ops;
    this.name = options.name ?? 'Affine';
    this.computeInputGradient = options.computeInputGradient ?? true;
  }

  get params(): Readonly<Record<string, Tensor>> {
    return { W: this.W, b: this.b };
  }

  get grads(): Readonly<Record<string, Tensor>> {
    return { W: this.dW, b: this.db };
  }

  /** out = x W + b */
  forward(x: Operand): Tensor {
    this.x = x;
    this.out = reuse(this.out, [rowsOf(x), this.W.shape[1]], this.W.dtype);
    this.ops.matmul(x, this.W, this.out);
    this.ops.addRowVector(this.out, this.b);
    return this.out;
  }

  /** dW = x^T dout, db = dout.sum(axis=0), dx = dout W^T */
  backward(dout: Tensor): Tensor {
    const x = this.x;
    if (!x) throw new Error(`${this.name}.backward called before forward`);
    this.ops.matmulTransposedA(x, dout, this.dW);
    this.ops.sumRows(dout, this.db);
    this.dx = reuse(this.dx, this.computeInputGradient ? x.shape : [0], this.W.dtype);
    if (this.computeInputGradient) this.ops.matmulTransposedB(dout, this.W, this.dx);
    return this.dx;
  }

  /**
   * dx = dout W^T alone, whatever computeInputGradient says: for questions about the input itself (the
   * saliency map), never called by training, so the first layer's training backward stays as cheap as before.
   */
  inputGradient(dout: Tensor): Tensor {
    const x = this.x;
    if (!x) throw new Error(`${this.name}.inputGradient called before forward`);
    this.inputDx = reuse(this.inputDx, [rowsOf(x), this.W.shape[0]], this.W.dtype);
    this.ops.matmulTransposedB(dout, this.W, this.inputDx);
    return this.inputDx;
  }
}
