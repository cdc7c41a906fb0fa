import type { DType } from '../backend';
import { numericalGradients } from '../gradient';
import { Affine } from '../layers/affine';
import { BatchNormalization } from '../layers/batch-normalization';
import { Convolution } from '../layers/convolution';
import { Dropout, withFrozenMasks } from '../layers/dropout';
import type { Layer } from '../layers/layer';
import { Pooling } from '../layers/pooling';
import { Relu } from '../layers/relu';
import { Sigmoid } from '../layers/sigmoid';
import { SoftmaxWithLoss } from '../layers/softmax-with-loss';
import { AccuracyCounter } from './accuracy';
import { fusedPasses } from './fused-passes';
import { TensorOps, type Operand, type Targets } from '../ops';
import type { Params } from '../optimizers';
import { Rng } from '../rng';
import { describeShape, Tensor } from '../tensor';
import { layerShapes, type LayerListSpec, type LayerSpec } from './layer-list-spec';
import { weightScale, type NetworkOptions } from './multi-layer-net';
import { DEFAULT_NETWORK } from './network-spec';
import type { TrainableNetwork, WeightLayer } from './trainable-network';

/**
 * A network built from a layer list (SimpleConvNet, DeepConvNet, or any list that fits; see layer-list-spec.ts),
 * ending in SoftmaxWithLoss. Parameters are numbered in order as the book's SimpleConvNet numbers them: W1, b1
 * for the first conv or affine, W2, b2 for the next, ...; gamma1, beta1, ... for the BatchNorms. They are the
 * very tensors the layers hold. Its public surface follows MultiLayerNet's.
 */
export class LayerListNet implements TrainableNetwork {
  readonly spec: LayerListSpec;
  /** The per-sample shape before and after every layer (shapes[0] is the input). */
  readonly shapes: readonly (readonly number[])[];
  readonly params: Record<string, Tensor> = {};
  readonly layers: Layer[] = [];
  /** The layers as predict and gradient run them: Conv, Relu and Pooling or Relu and Pooling as one fused pass (fused-passes.ts). */
  private readonly passes: Layer[];
  readonly lastLayer: SoftmaxWithLoss;
  readonly ops: TensorOps;
  readonly dtype: DType;
  readonly inputSize: number;
  readonly inputShape: readonly number[];
  readonly outputSize: number;
  readonly lossDelta: number;
  readonly weightDecay: number;
  readonly weightLayers: WeightLayer[] = [];
  readonly firstAffine: Affine | undefined;
  private readonly options: NetworkOptions;
  private readonly grads: Record<string, Tensor> = {};
  private readonly batchNorms: BatchNormalization[] = [];
  private readonly dropouts: Dropout[] = [];
  private readonly accuracyCounter: AccuracyCounter;

  constructor(spec: LayerListSpec, options: NetworkOptions) {
    this.shapes = layerShapes(spec);
    this.spec = spec;
    this.ops = new TensorOps(options.backend);
    this.accuracyCounter = new AccuracyCounter(this.ops);
    this.dtype = options.dtype;
    this.options = options;
    this.inputShape = [...spec.input];
    this.inputSize = spec.input[0] * spec.input[1] * spec.input[2];
    this.outputSize = spec.output;
    this.lossDelta = spec.lossDelta ?? DEFAULT_NETWORK.lossDelta;
    this.weightDecay = spec.weightDecay ?? 0;
    // Layers are named Conv1, Relu1, Pool1, Affine1, Relu2, ... as in the book; weights W1, W2, ... across conv and affine.
    const counts: Record<string, number> = {};
    const next = (kind: string): number => (counts[kind] = (counts[kind] ?? 0) + 1);
    spec.layers.forEach((layer, i) => this.layers.push(this.build(layer, this.shapes[i], i === 0, next, options)));
    this.passes = fusedPasses(this.layers, this.ops);
    this.lastLayer = new SoftmaxWithLoss(this.ops, { delta: this.lossDelta });
    const first = this.layers[0];
    this.firstAffine = first instanceof Affine ? first : undefined;
  }

  /** The same spec with parameters of its own (evaluation copies, gradient-flow scratch). */
  twin(): LayerListNet {
    return new LayerListNet(this.spec, { ...this.options, rng: new Rng(0) });
  }

  private build(layer: LayerSpec, shape: readonly number[], first: boolean, next: (kind: string) => number, options: NetworkOptions): Layer {
    const size = shape.reduce((a, b) => a * b, 1);
    switch (layer.type) {
      case 'conv': {
        const W = this.weights([layer.filters, shape[0], layer.size, layer.size], shape[0] * layer.size * layer.size, options);
        const b = Tensor.zeros([layer.filters], this.dtype);
        const conv = new Convolution(W, b, this.ops, { stride: layer.stride, pad: layer.pad, name: `Conv${next('Conv')}`, computeInputGradient: !first });
        this.addParameters(next('weights'), { W, b }, { W: conv.dW, b: conv.db });
        this.weightLayers.push(conv);
        return conv;
      }
      case 'affine': {
        const W = this.weights([size, layer.units], size, options);
        const b = Tensor.zeros([layer.units], this.dtype);
        const affine = new Affine(W, b, this.ops, { name: `Affine${next('Affine')}`, computeInputGradient: !first });
        this.addParameters(next('weights'), { W, b }, { W: affine.dW, b: affine.db });
        this.weightLayers.push(affine);
        return affine;
      }
      case 'pool':
        return new Pooling(this.ops, { height: layer.size, width: layer.size, stride: layer.stride, name: `Pool${next('Pool')}` });
      case 'relu':
        return new Relu(this.ops, `Relu${next('Relu')}`);
      case 'sigmoid':
        return new Sigmoid(this.ops, `Sigmoid${next('Sigmoid')}`);
      case 'batchnorm': {
        const gamma = Tensor.zeros([size], this.dtype);
        gamma.data.fill(1);
        const beta = Tensor.zeros([size], this.dtype);
        const index = next('BatchNorm');
        const bn = new BatchNormalization(gamma, beta, this.ops, `BatchNorm${index}`);
        this.batchNorms.push(bn);
        this.addParameters(index, { gamma, beta }, { gamma: bn.dgamma, beta: bn.dbeta });
        return bn;
      }
      case 'dropout': {
        const dropout = new Dropout(this.ops, options.rng, { ratio: layer.ratio, inverted: false, name: `Dropout${next('Dropout')}` });
        this.dropouts.push(dropout);
        return dropout;
      }
    }
  }

  /** Gaussian weights of the spec's scale for this fan-in. */
  private weights(shape: number[], fanIn: number, options: NetworkOptions): Tensor {
    const W = Tensor.zeros(shape, this.dtype);
    const scale = weightScale(this.spec.weightInit, fanIn);
    for (let i = 0; i < W.size; i++) W.data[i] = scale * options.rng.normal();
    return W;
  }

  /** Registers a layer's parameters and their gradients as W1, b1 (or gamma1, beta1), numbered by `index`. */
  private addParameters(index: number, params: Record<string, Tensor>, grads: Record<string, Tensor>): void {
    for (const key of Object.keys(params)) {
      this.params[`${key}${index}`] = params[key];
      this.grads[`${key}${index}`] = grads[key];
    }
  }

  /**
   * Raw class scores (no softmax) for x (N, C, H, W) or its rows (N, C*H*W); a first Affine also takes any
   * operand (sparse rows). A layer buffer, valid until the next forward.
   */
  predict(x: Operand, train = false): Tensor {
    const n = x.shape[0] ?? 0;
    const [c, h, w] = this.spec.input;
    const fits = x instanceof Tensor ? x.shape.length >= 2 && x.size === n * this.inputSize : x.shape[1] === this.inputSize;
    if (!fits) throw new RangeError(`predict: x ${describeShape(x.shape)} is not a batch of (${c}, ${h}, ${w}) inputs`);
    let out: Tensor;
    let rest = 0;
    if (this.firstAffine) {
      // An Affine reads rows of any operand (sparse rows too).
      out = this.firstAffine.forward(x);
      rest = 1;
    } else if (x instanceof Tensor) {
      out = x.reshape([n, c, h, w]);
    } else {
      throw new RangeError(`predict: ${this.layers[0]?.name ?? 'the first layer'} reads images, not rows of sparse pixels`);
    }
    for (let i = rest; i < this.passes.length; i++) out = this.passes[i].forward(out, train);
    return out;
  }

  /** Softmax cross-entropy of the scores, plus 0.5 * lambda * sum(W^2) over every weight tensor. */
  loss(x: Operand, t: Targets, train = false): number {
    return this.lastLayer.forward(this.predict(x, train), t) + this.weightDecayLoss();
  }

  /** 0.5 * lambda * sum(W^2) over the conv and affine weights (not the biases). */
  weightDecayLoss(): number {
    if (this.weightDecay === 0) return 0;
    let sum = 0;
    for (const layer of this.weightLayers) sum += this.ops.sumSquares(layer.W);
    return 0.5 * this.weightDecay * sum;
  }

  /** Fraction of rows whose highest score is the target class. */
  accuracy(x: Operand, t: Targets): number {
    return this.accuracyCounter.of(this.predict(x, false), t);
  }

  /** Backpropagation: forward for the loss, then every layer's backward in reverse order. */
  gradient(x: Operand, t: Targets): Params {
    this.loss(x, t, true);
    let dout = this.lastLayer.backward();
    for (let i = this.passes.length - 1; i >= 0; i--) dout = this.passes[i].backward(dout);
    // The weight decay term's gradient: dW += lambda * W.
    if (this.weightDecay !== 0) for (const layer of this.weightLayers) this.ops.addScaled(layer.dW, this.weightDecay, layer.W);
    return { ...this.grads };
  }

  /** Central differences on every parameter (slow; for gradient checks on tiny batches). */
  numericalGradient(x: Tensor, t: Targets): Params {
    return numericalGradients(this.params, () => this.loss(x, t, true));
  }

  /** Runs `fn` with every Dropout reusing one mask (drawn by a training forward first): gradient checks. */
  withFrozenDropout<T>(x: Tensor, t: Targets, fn: () => T): T {
    return withFrozenMasks(this.dropouts, () => this.loss(x, t, true), fn);
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

  /** The batch's loss from the last forward (without recomputing it). */
  get lastLoss(): number {
    return this.lastLayer.loss + this.weightDecayLoss();
  }
}
