import type { Backend, DType } from '../backend';
import { numericalGradients } from '../gradient';
import { Affine } from '../layers/affine';
import { BatchNormalization } from '../layers/batch-normalization';
import { Dropout, withFrozenMasks } from '../layers/dropout';
import type { Layer } from '../layers/layer';
import { Relu } from '../layers/relu';
import { Sigmoid } from '../layers/sigmoid';
import { SoftmaxWithLoss } from '../layers/softmax-with-loss';
import { AccuracyCounter } from './accuracy';
import { TensorOps, type Operand, type Targets } from '../ops';
import type { Params } from '../optimizers';
import { Rng } from '../rng';
import { Tensor } from '../tensor';
import { networkSpec, type NetworkSpec, type WeightInit } from './network-spec';
import type { TrainableNetwork } from './trainable-network';

export interface NetworkOptions {
  readonly backend: Backend;
  readonly dtype: DType;
  /** Draws the initial weights (and the dropout masks); the same seed gives the same network. */
  readonly rng: Rng;
}

/** The std of layer l's Gaussian weights: a number as is, He sqrt(2/n) or Xavier sqrt(1/n) for fan-in n. */
export function weightScale(init: WeightInit, fanIn: number): number {
  if (typeof init === 'number') return init;
  return init === 'he' || init === 'relu' ? Math.sqrt(2 / fanIn) : Math.sqrt(1 / fanIn);
}

/**
 * The book's MultiLayerNet(Extend): (Affine -> [BatchNorm] -> activation -> [Dropout]) for each hidden layer,
 * then Affine and SoftmaxWithLoss. Parameters W1, b1, ..., W{L+1}, b{L+1} (and gamma1, beta1, ...) are the
 * very tensors the layers hold.
 */
export class MultiLayerNet implements TrainableNetwork {
  readonly spec: NetworkSpec;
  readonly params: Record<string, Tensor> = {};
  readonly layers: Layer[] = [];
  readonly affines: Affine[] = [];
  readonly batchNorms: BatchNormalization[] = [];
  readonly dropouts: Dropout[] = [];
  readonly lastLayer: SoftmaxWithLoss;
  readonly ops: TensorOps;
  readonly dtype: DType;
  private readonly accuracyCounter: AccuracyCounter;

  constructor(spec: Partial<NetworkSpec>, options: NetworkOptions) {
    this.spec = networkSpec(spec);
    this.ops = new TensorOps(options.backend);
    this.accuracyCounter = new AccuracyCounter(this.ops);
    this.dtype = options.dtype;
    const { inputSize, hiddenSizes, outputSize, activation, weightInit, batchNorm, dropout, invertedDropout } = this.spec;
    const sizes = [inputSize, ...hiddenSizes, outputSize];
    for (let l = 1; l < sizes.length; l++) {
      const W = Tensor.zeros([sizes[l - 1], sizes[l]], this.dtype);
      const scale = weightScale(weightInit, sizes[l - 1]);
      for (let i = 0; i < W.size; i++) W.data[i] = scale * options.rng.normal();
      const b = Tensor.zeros([sizes[l]], this.dtype);
      this.params[`W${l}`] = W;
      this.params[`b${l}`] = b;
      const affine = new Affine(W, b, this.ops, { name: `Affine${l}`, computeInputGradient: l > 1 });
      this.affines.push(affine);
      this.layers.push(affine);
      if (l === sizes.length - 1) break;
      if (batchNorm) {
        const gamma = Tensor.zeros([sizes[l]], this.dtype);
        gamma.data.fill(1);
        const beta = Tensor.zeros([sizes[l]], this.dtype);
        this.params[`gamma${l}`] = gamma;
        this.params[`beta${l}`] = beta;
        const bn = new BatchNormalization(gamma, beta, this.ops, `BatchNorm${l}`);
        this.batchNorms.push(bn);
        this.layers.push(bn);
      }
      this.layers.push(activation === 'relu' ? new Relu(this.ops, `Relu${l}`) : new Sigmoid(this.ops, `Sigmoid${l}`));
      if (dropout > 0) {
        const layer = new Dropout(this.ops, options.rng, { ratio: dropout, inverted: invertedDropout, name: `Dropout${l}` });
        this.dropouts.push(layer);
        this.layers.push(layer);
      }
    }
    this.lastLayer = new SoftmaxWithLoss(this.ops, { delta: this.spec.lossDelta });
  }

  get inputSize(): number {
    return this.spec.inputSize;
  }

  get inputShape(): readonly number[] {
    return [this.spec.inputSize];
  }

  get outputSize(): number {
    return this.spec.outputSize;
  }

  get lossDelta(): number {
    return this.spec.lossDelta;
  }

  get weightLayers(): readonly Affine[] {
    return this.affines;
  }

  get firstAffine(): Affine {
    return this.affines[0];
  }

  /** The same spec with parameters of its own (evaluation copies, gradient-flow scratch). */
  twin(): MultiLayerNet {
    return new MultiLayerNet(this.spec, { backend: this.ops.backend, dtype: this.dtype, rng: new Rng(0) });
  }

  /** Raw class scores (no softmax). The result is a layer buffer, valid until the next forward. */
  predict(x: Operand, train = false): Tensor {
    // The first Affine takes any operand (dense rows or a batch that multiplies itself), the rest its output.
    let out = this.affines[0].forward(x);
    for (let i = 1; i < this.layers.length; i++) out = this.layers[i].forward(out, train);
    return out;
  }

  /** Softmax cross-entropy of the scores, plus 0.5 * lambda * sum(W^2) over every weight matrix. */
  loss(x: Operand, t: Targets, train = false): number {
    const scores = this.predict(x, train);
    return this.lastLayer.forward(scores, t) + this.weightDecayLoss();
  }

  /** 0.5 * lambda * sum(W^2) over the weights (not the biases). */
  weightDecayLoss(): number {
    const lambda = this.spec.weightDecay;
    if (lambda === 0) return 0;
    let sum = 0;
    for (const affine of this.affines) sum += this.ops.sumSquares(affine.W);
    return 0.5 * lambda * sum;
  }

  /** Fraction of rows whose highest score is the target class. */
  accuracy(x: Operand, t: Targets): number {
    return this.accuracyCounter.of(this.predict(x, false), t);
  }

  /** Backpropagation: forward for the loss, then every layer's backward in reverse order. */
  gradient(x: Operand, t: Targets): Params {
    this.loss(x, t, true);
    let dout = this.lastLayer.backward();
    for (let i = this.layers.length - 1; i >= 0; i--) dout = this.layers[i].backward(dout);
    const lambda = this.spec.weightDecay;
    const grads: Record<string, Tensor> = {};
    this.affines.forEach((affine, index) => {
      // The weight decay term's gradient: dW += lambda * W.
      if (lambda !== 0) this.ops.addScaled(affine.dW, lambda, affine.W);
      grads[`W${index + 1}`] = affine.dW;
      grads[`b${index + 1}`] = affine.db;
    });
    this.batchNorms.forEach((bn, index) => {
      grads[`gamma${index + 1}`] = bn.dgamma;
      grads[`beta${index + 1}`] = bn.dbeta;
    });
    return grads;
  }

  /** BatchNorm running statistics: not trained by the optimizer, but part of what a checkpoint keeps. */
  get runningStatistics(): Record<string, Tensor> {
    const stats: Record<string, Tensor> = {};
    this.batchNorms.forEach((bn, index) => {
      stats[`runningMean${index + 1}`] = bn.runningMean;
      stats[`runningVar${index + 1}`] = bn.runningVar;
    });
    return stats;
  }

  /** Runs `fn` with every Dropout reusing one mask (drawn by a training forward first): gradient checks. */
  withFrozenDropout<T>(x: Tensor, t: Targets, fn: () => T): T {
    return withFrozenMasks(this.dropouts, () => this.loss(x, t, true), fn);
  }

  /** Central differences on every parameter (slow; for gradient checks on tiny batches). */
  numericalGradient(x: Tensor, t: Targets): Params {
    return numericalGradients(this.params, () => this.loss(x, t, true));
  }

  /** The batch's loss from the last forward (without recomputing it). */
  get lastLoss(): number {
    return this.lastLayer.loss + this.weightDecayLoss();
  }
}
