import type { Backend } from '../backend';
import { SparseBatch } from '../sparse-images';
import { Tensor } from '../tensor';
import { describeShape, reuse, type ParameterLayer } from './layer';

/**
 * Affine: y = x W + b. Input of any rank is flattened to (N, -1) and dx gets the input's shape back.
 * W and b are held by reference, so the optimizer's in-place updates and the numerical gradient's
 * perturbations are seen by this layer without copying. As the first layer it also takes a SparseBatch of
 * images, multiplying only their nonzero pixels (the same x W and x^T dout; it has no input gradient).
 */
export class Affine implements ParameterLayer {
  readonly name: string;
  readonly W: Tensor;
  readonly b: Tensor;
  readonly dW: Tensor;
  readonly db: Tensor;
  /** The first layer's dx is never used: skipping it saves a third of that layer's backward work. */
  computeInputGradient: boolean;
  private readonly backend: Backend;
  private x: Tensor | SparseBatch | undefined;
  private inputShape: readonly number[] = [];
  private out: Tensor | undefined;
  private dx: Tensor | undefined;

  constructor(W: Tensor, b: Tensor, backend: Backend, options: { name?: string; computeInputGradient?: boolean } = {}) {
    if (W.shape.length !== 2 || b.shape.length !== 1 || b.shape[0] !== W.shape[1]) {
      throw new RangeError(`Affine: W ${describeShape(W.shape)} and b ${describeShape(b.shape)} do not fit (W is (in, out), b is (out))`);
    }
    if (W.dtype !== b.dtype) throw new TypeError(`Affine: W is ${W.dtype} but b is ${b.dtype}`);
    this.W = W;
    this.b = b;
    this.dW = Tensor.zeros(W.shape, W.dtype);
    this.db = Tensor.zeros(b.shape, b.dtype);
    this.backend = backend;
    this.name = options.name ?? 'Affine';
    this.computeInputGradient = options.computeInputGradient ?? true;
  }

  get params(): Readonly<Record<string, Tensor>> {
    return { W: this.W, b: this.b };
  }

  get grads(): Readonly<Record<string, Tensor>> {
    return { W: this.dW, b: this.db };
  }

  forward(x: Tensor | SparseBatch): Tensor {
    const [inputs, outputs] = this.W.shape;
    if (x instanceof SparseBatch) return this.forwardSparse(x);
    const rows = x.shape.length === 1 ? 1 : x.shape[0];
    if (x.size !== rows * inputs) {
      throw new RangeError(`${this.name}: input ${describeShape(x.shape)} does not flatten to (N, ${inputs}) for W ${describeShape(this.W.shape)}`);
    }
    if (x.dtype !== this.W.dtype) throw new TypeError(`${this.name}: input is ${x.dtype} but W is ${this.W.dtype}`);
    this.inputShape = x.shape;
    this.x = x;
    this.out = reuse(this.out, [rows, outputs], x.dtype);
    this.backend.gemm(false, false, rows, outputs, inputs, 1, x.data, this.W.data, 0, this.out.data);
    this.backend.addBias(this.out.data, rows, outputs, this.b.data, false);
    return this.out;
  }

  private forwardSparse(x: SparseBatch): Tensor {
    const [inputs, outputs] = this.W.shape;
    if (x.cols !== inputs) throw new RangeError(`${this.name}: sparse images of ${x.cols} pixels do not fit W ${describeShape(this.W.shape)}`);
    this.x = x;
    this.out = reuse(this.out, [x.rows, outputs], this.W.dtype);
    const { rowStart, columns, values } = x.images;
    this.backend.sparseMatmul(rowStart, columns, values, inputs, x.indices, x.scale, this.W.data, outputs, this.out.data);
    this.backend.addBias(this.out.data, x.rows, outputs, this.b.data, false);
    return this.out;
  }

  backward(dout: Tensor): Tensor {
    const x = this.x;
    const [inputs, outputs] = this.W.shape;
    if (!x) throw new Error(`${this.name}.backward called before forward`);
    if (x instanceof SparseBatch) return this.backwardSparse(x, dout);
    const rows = x.size / inputs;
    if (dout.size !== rows * outputs) {
      throw new RangeError(`${this.name}.backward: dout ${describeShape(dout.shape)} should be (${rows}, ${outputs})`);
    }
    // dW = x^T dout and db = column sums of dout; dx = dout W^T, all without materialised transposes.
    this.backend.gemm(true, false, inputs, outputs, rows, 1, x.data, dout.data, 0, this.dW.data);
    this.backend.colSums(dout.data, rows, outputs, this.db.data);
    if (!this.computeInputGradient) {
      this.dx = reuse(this.dx, [0], x.dtype);
      return this.dx;
    }
    this.dx = reuse(this.dx, this.inputShape, x.dtype);
    this.backend.gemm(false, true, rows, inputs, outputs, 1, dout.data, this.W.data, 0, this.dx.data);
    return this.dx;
  }

  private backwardSparse(x: SparseBatch, dout: Tensor): Tensor {
    const outputs = this.W.shape[1];
    if (dout.size !== x.rows * outputs) {
      throw new RangeError(`${this.name}.backward: dout ${describeShape(dout.shape)} should be (${x.rows}, ${outputs})`);
    }
    if (this.computeInputGradient) throw new Error(`${this.name}.backward: a sparse image batch has no input gradient (use it as the first layer)`);
    const { rowStart, columns, values, rowLength } = x.images;
    this.backend.sparseMatmulTransposed(rowStart, columns, values, rowLength, x.indices, x.scale, dout.data, outputs, this.dW.data);
    this.backend.colSums(dout.data, x.rows, outputs, this.db.data);
    this.dx = reuse(this.dx, [0], this.W.dtype);
    return this.dx;
  }
}
