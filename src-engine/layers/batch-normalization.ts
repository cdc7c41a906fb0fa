import type { Backend } from '../backend';
import { Tensor } from '../tensor';
import { describeShape, reuse, type ParameterLayer } from './layer';

/** The book writes 10e-7, which is 1e-6. */
export const BATCH_NORM_EPS = 1e-6;
export const BATCH_NORM_MOMENTUM = 0.9;

/**
 * The book's BatchNormalization: normalise each feature over the batch while training (and keep running
 * statistics with momentum 0.9, starting at zero), use the running statistics at inference, then scale by
 * gamma and shift by beta. Input of any rank is taken as (N, features), like Affine.
 */
export class BatchNormalization implements ParameterLayer {
  readonly name: string;
  readonly gamma: Tensor;
  readonly beta: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly dgamma: Tensor;
  readonly dbeta: Tensor;
  private readonly backend: Backend;
  private xc: Tensor | undefined;
  private xn: Tensor | undefined;
  private std: Tensor;
  private out: Tensor | undefined;
  private dx: Tensor | undefined;
  private rows = 0;
  private trained = false;

  constructor(gamma: Tensor, beta: Tensor, backend: Backend, name = 'BatchNorm') {
    this.gamma = gamma;
    this.beta = beta;
    this.backend = backend;
    this.name = name;
    this.runningMean = Tensor.zeros(gamma.shape, gamma.dtype);
    this.runningVar = Tensor.zeros(gamma.shape, gamma.dtype);
    this.dgamma = Tensor.zeros(gamma.shape, gamma.dtype);
    this.dbeta = Tensor.zeros(gamma.shape, gamma.dtype);
    this.std = Tensor.zeros(gamma.shape, gamma.dtype);
  }

  get params(): Readonly<Record<string, Tensor>> {
    return { gamma: this.gamma, beta: this.beta };
  }

  get grads(): Readonly<Record<string, Tensor>> {
    return { gamma: this.dgamma, beta: this.dbeta };
  }

  forward(x: Tensor, train: boolean): Tensor {
    const cols = this.gamma.size;
    if (x.size % cols !== 0) throw new RangeError(`${this.name}.forward: input ${describeShape(x.shape)} does not have ${cols} features per row`);
    const rows = x.size / cols;
    this.out = reuse(this.out, x.shape, x.dtype);
    if (train) {
      this.xc = reuse(this.xc, [rows, cols], x.dtype);
      this.xn = reuse(this.xn, [rows, cols], x.dtype);
    }
    const xc = this.xc ?? this.out;
    const xn = this.xn ?? this.out;
    this.backend.batchNormForward(x.data, rows, cols, this.gamma.data, this.beta.data, this.runningMean.data, this.runningVar.data, train, BATCH_NORM_MOMENTUM, BATCH_NORM_EPS, xc.data, xn.data, this.std.data, this.out.data);
    if (train) {
      this.rows = rows;
      this.trained = true;
    }
    return this.out;
  }

  backward(dout: Tensor): Tensor {
    if (!this.trained || !this.xc || !this.xn) throw new Error(`${this.name}.backward called before a training forward`);
    const cols = this.gamma.size;
    if (dout.size !== this.rows * cols) throw new RangeError(`${this.name}.backward: dout ${describeShape(dout.shape)} should be (${this.rows}, ${cols})`);
    this.dx = reuse(this.dx, dout.shape, dout.dtype);
    this.backend.batchNormBackward(dout.data, this.rows, cols, this.gamma.data, this.xc.data, this.xn.data, this.std.data, this.dx.data, this.dgamma.data, this.dbeta.data);
    return this.dx;
  }
}
