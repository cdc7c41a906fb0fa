/** ReLU or sigmoid after every hidden Affine. */
export type Activation = 'relu' | 'sigmoid';

/** A number is the std of the Gaussian; 'he'/'relu' give sqrt(2/fan_in), 'xavier'/'sigmoid' sqrt(1/fan_in). */
export type WeightInit = number | 'he' | 'relu' | 'xavier' | 'sigmoid';

/** What the book's MultiLayerNet(Extend) is built from. */
export interface NetworkSpec {
  inputSize: number;
  hiddenSizes: number[];
  outputSize: number;
  activation: Activation;
  weightInit: WeightInit;
  /** L2 weight decay lambda: loss += 0.5*lambda*sum(W^2) over weights (not biases). */
  weightDecay: number;
  /** MultiLayerNetExtend: a BatchNormalization after every hidden Affine (momentum 0.9, eps 1e-6). */
  batchNorm: boolean;
  /** Dropout ratio after every hidden activation; 0 turns dropout off. */
  dropout: number;
  /** Inverted dropout (scale kept units by 1/(1-ratio) while training) instead of the book's (scale by 1-ratio at inference). */
  invertedDropout: boolean;
  /** The 1e-7 added inside the log of the cross-entropy; 0 turns it off (exact gradient checks). */
  lossDelta: number;
}

/** The book's ch5 network (train_neuralnet.py): TwoLayerNet(784, 50, 10), weights 0.01 * randn, no regularisation. */
export const DEFAULT_NETWORK: Readonly<Omit<NetworkSpec, 'hiddenSizes'> & { hiddenSizes: readonly number[] }> = {
  inputSize: 784,
  hiddenSizes: [50],
  outputSize: 10,
  activation: 'relu',
  weightInit: 0.01,
  weightDecay: 0,
  batchNorm: false,
  dropout: 0,
  invertedDropout: false,
  lossDelta: 1e-7,
};

/** A full spec from the fields given and DEFAULT_NETWORK for the others (its hidden sizes copied, never shared). */
export function networkSpec(given: Partial<NetworkSpec> = {}): NetworkSpec {
  return { ...DEFAULT_NETWORK, hiddenSizes: [...DEFAULT_NETWORK.hiddenSizes], ...given };
}
