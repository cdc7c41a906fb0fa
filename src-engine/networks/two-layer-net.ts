import { MultiLayerNet, type NetworkOptions } from './multi-layer-net';

/** The book's ch5 TwoLayerNet: Affine1 -> Relu1 -> Affine2 -> SoftmaxWithLoss, weights std * randn. */
export class TwoLayerNet extends MultiLayerNet {
  constructor(inputSize: number, hiddenSize: number, outputSize: number, weightInitStd = 0.01, options: NetworkOptions) {
    super({ inputSize, hiddenSizes: [hiddenSize], outputSize, activation: 'relu', weightInit: weightInitStd }, options);
  }
}
