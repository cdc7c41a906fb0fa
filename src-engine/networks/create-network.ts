import { LayerListNet } from './layer-list-net';
import { MultiLayerNet, type NetworkOptions } from './multi-layer-net';
import { isLayerListSpec, type AnyNetworkSpec, type TrainableNetwork } from './trainable-network';

/** The network a spec describes: a LayerListNet for a layer list, else the book's MultiLayerNet(Extend). */
export function createNetwork(spec: AnyNetworkSpec, options: NetworkOptions): TrainableNetwork {
  return isLayerListSpec(spec) ? new LayerListNet(spec, options) : new MultiLayerNet(spec, options);
}
