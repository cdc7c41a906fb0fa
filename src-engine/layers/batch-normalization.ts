import type { BatchNormSaved, BatchNormState, TensorOps } from '../ops';
import { Tensor } from '../tensor';
import { reuse, type ParameterLayer } from './layer';

/** The book writes 10e-7, which is 1e-6. */
export const BATCH_NORM_EPS = 1e-6;
/** running = momentum * running + (1 - momentum) * batch statistic. */
const BATCH_NORM_MOMENTUM = 0.9;

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
  private readonly ops: TensorOps;
  private readonly state: BatchNormState;
  /** xc, xn and std of the last training forward. */
  private saved: BatchNormSaved | undefined;
  private out: Tensor | undefined;
  private dx: Tensor | undefined;

  constructor(gamma: Tensor, beta: Tensor, ops: TensorOps, name = 'BatchNorm') {
    this.gamma = gamma;
    this.beta = beta;
    this.ops = ops;
    this.name = name;
    this.runningMean = Tensor.zeros(gamma.shape, gamma.dtype);
    this.runningVar = Tensor.zeros(gamma.shape, gamma.dtype);
    this.dgamma = Tensor.zeros(gamma.shape, gamma.dtype);
    this.dbeta = Tensor.zeros(gamma.shape, gamma.dtype);
    this.state = { gamma, beta, runningMean: this.runningMean, runningVar: this.runningVar, momentum: BATCH_NORM_MOMENTUM, eps: BATCH_NORM_EPS };
  }

  get params(): Readonly<Record<string, Tensor>> {
    return { gamma: this.gamma, beta: this.beta };
  }

  get grads(): Readonly<Record<string, Tensor>> {
    return { gamma: this.dgamma, beta: this.dbeta };
  }

  /** out = gamma * (x - mean) / sqrt(var + eps) + beta, with the batch's mean and var (training) or the running ones */
  forward(x: Tensor, train: boolean): Tensor {
    this.out = reuse(this.out, x.shape, x.dtype);
    if (!train) {
      this.ops.batchNormInference(x, this.out, this.state);
      return this.out;
    }
    let saved = this.saved;
    const xc = reuse(saved?.xc, x.shape, x.dtype);
    if (!saved || xc !== saved.xc) saved = this.saved = { xc, xn: Tensor.zeros(x.shape, x.dtype), std: Tensor.zeros(this.gamma.shape, x.dtype) };
    this.ops.batchNormTrainForward(x, this.out, this.state, saved);
    return this.out;
  }

  /** The book's backward through xn = xc / std and xc = x - mean: dx, dgamma = sum(xn * dout), dbeta = sum(dout) */
  backward(dout: Tensor): Tensor {
    if (!this.saved) throw new Error(`${this.name}.backward called before a training forward`);
    this.dx = reuse(this.dx, dout.shape, dout.dtype);
    this.ops.batchNormBackward(dout, this.gamma, this.saved, { dx: this.dx, dgamma: this.dgamma, dbeta: this.dbeta });
    return this.dx;
  }

  /**
   * The backward of the inference forward, where mean and var are the running constants:
   * dx = dout * gamma / sqrt(runningVar + eps). Training never calls it.
   */
  inferenceBackward(dout: Tensor): Tensor {
    this.dx = reuse(this.dx, dout.shape, dout.dtype);
    const features = this.gamma.size;
    const { data } = dout;
    for (let i = 0; i < data.length; i++) {
      const f = i % features;
      this.dx.data[i] = (data[i] * this.gamma.data[f]) / Math.sqrt(this.runningVar.data[f] + BATCH_NORM_EPS);
    }
    return this.dx;
  }
}
