import type { NetworkConfig, WeightInit } from '../../src-shared/config';
import { networkSchema } from '../../src-shared/config';
import type { Backend, DType } from '../backend';
import { Affine } from '../layers/affine';
import { Relu, Sigmoid } from '../layers/activation-layers';
import { BatchNormalization } from '../layers/batch-normalization';
import { Dropout } from '../layers/dropout';
import type { Layer } from '../layers/layer';
import { SoftmaxWithLoss, type Targets } from '../layers/softmax-with-loss';
import { numericalGradient } from '../gradient';
import type { Rng } from '../rng';
import type { SparseBatch } from '../sparse-images';
import { Tensor } from '../tensor';

export interface NetworkOptions {
  readonly backend: Backend;
  readonly dtype: DType;
  /** Draws the initial weights; the same seed gives the same network. */
  readonly rng: Rng;
}

export type Params = Record<string, Tensor>;

/** A batch of inputs: dense rows, or images stored as their nonzero pixels (the first Affine takes both). */
export type NetInput = Tensor | SparseBatch;

/** The std of layer l's Gaussian weights: a number as is, He sqrt(2/n) or Xavier sqrt(1/n) for fan-in n. */
export function weightScale(init: WeightInit, fanIn: number): number {
  if (typeof init === 'number') return init;
  return init === 'he' || init === 'relu' ? Math.sqrt(2 / fanIn) : Math.sqrt(1 / fanIn);
}

/**
 * The book's MultiLayerNet: (Affine -> activation) for each hidden layer, then Affine and SoftmaxWithLoss.
 * Parameters W1, b1, ..., W{L+1}, b{L+1} are the very tensors the Affine layers hold.
 */
export class MultiLayerNet {
  readonly config: NetworkConfig;
  readonly params: Params = {};
  readonly layers: Layer[] = [];
  readonly affines: Affine[] = [];
  readonly batchNorms: BatchNormalization[] = [];
  readonly dropouts: Dropout[] = [];
  readonly lastLayer: SoftmaxWithLoss;
  readonly backend: Backend;
  readonly dtype: DType;
  private labelsScratch = new Int32Array(0);

  constructor(config: Partial<NetworkConfig>, options: NetworkOptions) {
    this.config = networkSchema.parse(config);
    this.backend = options.backend;
    this.dtype = options.dtype;
    const { inputSize, hiddenSizes, outputSize, activation, weightInit } = this.config;
    const sizes = [inputSize, ...hiddenSizes, outputSize];
    for (let l = 1; l < sizes.length; l++) {
      const fanIn = sizes[l - 1];
      const scale = weightScale(weightInit, fanIn);
      const W = Tensor.zeros([fanIn, sizes[l]], this.dtype);
      for (let i = 0; i < W.size; i++) W.data[i] = scale * options.rng.normal();
      const b = Tensor.zeros([sizes[l]], this.dtype);
      this.params[`W${l}`] = W;
      this.params[`b${l}`] = b;
      const affine = new Affine(W, b, this.backend, { name: `Affine${l}`, computeInputGradient: l > 1 });
      this.affines.push(affine);
      this.layers.push(affine);
      if (l < sizes.length - 1) {
        // MultiLayerNetExtend's order: Affine -> [BatchNorm] -> activation -> [Dropout].
        if (this.config.batchNorm) {
          const gamma = Tensor.zeros([sizes[l]], this.dtype);
          gamma.data.fill(1);
          const beta = Tensor.zeros([sizes[l]], this.dtype);
          this.params[`gamma${l}`] = gamma;
          this.params[`beta${l}`] = beta;
          const bn = new BatchNormalization(gamma, beta, this.backend, `BatchNorm${l}`);
          this.batchNorms.push(bn);
          this.layers.push(bn);
        }
        this.layers.push(
          activation === 'relu' ? new Relu(this.backend, `Relu${l}`) : new Sigmoid(this.backend, `Sigmoid${l}`),
        );
        if (this.config.dropout > 0) {
          const dropout = new Dropout(this.backend, options.rng, { ratio: this.config.dropout, inverted: this.config.invertedDropout, name: `Dropout${l}` });
          this.dropouts.push(dropout);
          this.layers.push(dropout);
        }
      }
    }
    this.lastLayer = new SoftmaxWithLoss(this.backend, { delta: this.config.lossDelta });
  }

  /** Raw class scores (no softmax). The result is a layer buffer, valid until the next forward. */
  predict(x: NetInput, train = false): Tensor {
    // layers[0] is always the first Affine, the one layer that also takes a SparseBatch.
    return this.forwardAfterFirst(this.affines[0].forward(x), train);
  }

  /**
   * predict() for rows whose first-layer product x W1 was computed elsewhere (on a background thread): adds
   * b1 to `product` (rows x first hidden size, changed in place) and runs the remaining layers.
   */
  predictFromFirstProduct(product: Tensor, train = false): Tensor {
    const first = this.affines[0];
    const outputs = first.W.shape[1];
    if (product.shape.length !== 2 || product.shape[1] !== outputs) {
      throw new RangeError(`predictFromFirstProduct: product is (${product.shape.join(', ')}) but the first layer has ${outputs} outputs`);
    }
    this.backend.addBias(product.data, product.shape[0], outputs, first.b.data, false);
    return this.forwardAfterFirst(product, train);
  }

  /** The layers after the first Affine, on its output. */
  private forwardAfterFirst(firstOutput: Tensor, train: boolean): Tensor {
    let out = firstOutput;
    for (let i = 1; i < this.layers.length; i++) out = this.layers[i].forward(out, train);
    return out;
  }

  /** Softmax cross-entropy of the scores, plus 0.5 * lambda * sum(W^2) over every weight matrix. */
  loss(x: NetInput, t: Targets, train = false): number {
    const scores = this.predict(x, train);
    return this.lastLayer.forward(scores, t) + this.weightDecayLoss();
  }

  weightDecayLoss(): number {
    const lambda = this.config.weightDecay;
    if (lambda === 0) return 0;
    let sum = 0;
    for (const affine of this.affines) sum += this.backend.sumSquares(affine.W.data, affine.W.size);
    return 0.5 * lambda * sum;
  }

  /** Fraction of rows whose highest score is the target class. */
  accuracy(x: NetInput, t: Targets): number {
    const scores = this.predict(x, false);
    const rows = scores.shape[0];
    if (rows === 0) return 0;
    const predicted = this.scratchLabels(rows);
    this.backend.argmaxRows(scores.data, rows, scores.size / rows, predicted);
    const labels = t instanceof Tensor ? new Int32Array(rows) : t;
    if (t instanceof Tensor) this.backend.argmaxRows(t.data, rows, t.size / rows, labels);
    let correct = 0;
    for (let i = 0; i < rows; i++) if (predicted[i] === labels[i]) correct++;
    return correct / rows;
  }

  /** Backpropagation: forward for the loss, then every layer's backward in reverse order. */
  gradient(x: NetInput, t: Targets): Params {
    this.loss(x, t, true);
    let dout = this.lastLayer.backward();
    for (let i = this.layers.length - 1; i >= 0; i--) dout = this.layers[i].backward(dout);
    const lambda = this.config.weightDecay;
    const grads: Params = {};
    this.affines.forEach((affine, index) => {
      if (lambda !== 0) this.backend.axpby(lambda, affine.W.data, 1, affine.dW.data, affine.W.size);
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
    if (this.dropouts.length === 0) return fn();
    this.loss(x, t, true);
    for (const d of this.dropouts) d.frozen = true;
    try {
      return fn();
    } finally {
      for (const d of this.dropouts) d.frozen = false;
    }
  }

  /** Central differences on every parameter (slow; for gradient checks on tiny batches). */
  numericalGradient(x: Tensor, t: Targets): Params {
    const grads: Params = {};
    for (const [key, param] of Object.entries(this.params)) {
      grads[key] = numericalGradient(() => this.loss(x, t, true), param);
    }
    return grads;
  }

  /** The batch's loss from the last forward (without recomputing it). */
  get lastLoss(): number {
    return this.lastLayer.loss + this.weightDecayLoss();
  }

  private scratchLabels(rows: number): Int32Array {
    if (this.labelsScratch.length !== rows) this.labelsScratch = new Int32Array(rows);
    return this.labelsScratch;
  }
}
