import { isLayerListNetwork, type NetworkConfig } from './config';
import type { LayerSpec } from '../src-engine/networks/layer-list-spec';

/**
 * What the services, the CLI and the views read of a config's network, for either kind: the MLP
 * (network.hiddenSizes ...) or a layer list (network.layers).
 */

/** Values per sample the network reads (784 for MNIST's 28x28 images). */
export function networkInputSize(network: NetworkConfig): number {
  return isLayerListNetwork(network) ? network.input[0] * network.input[1] * network.input[2] : network.inputSize;
}

/** Class scores the network gives. */
export function networkClasses(network: NetworkConfig): number {
  return isLayerListNetwork(network) ? network.output : network.outputSize;
}

/** One layer in a label: conv30×5 (stride and pad when not 1 and 0: conv32×3s2p1), pool2, 100 for an affine, bn, drop0.5. */
function layerLabel(layer: LayerSpec): string | undefined {
  switch (layer.type) {
    case 'conv':
      return `conv${layer.filters}×${layer.size}${layer.stride !== 1 ? `s${layer.stride}` : ''}${layer.pad !== 0 ? `p${layer.pad}` : ''}`;
    case 'pool':
      return `pool${layer.size}${layer.stride !== layer.size ? `s${layer.stride}` : ''}`;
    case 'affine':
      return String(layer.units);
    case 'relu':
      // ReLU is what follows a conv or affine unless a label says sigmoid.
      return undefined;
    case 'sigmoid':
      return 'sigmoid';
    case 'batchnorm':
      return 'bn';
    case 'dropout':
      return `drop${layer.ratio}`;
  }
}

/** The network in a few words: "784-50-10 relu" for the MLP, "conv30×5 pool2 100 10" for a layer list (ReLU left out). */
export function networkLabel(network: NetworkConfig): string {
  if (!isLayerListNetwork(network)) return `${[network.inputSize, ...network.hiddenSizes, network.outputSize].join('-')} ${network.activation}`;
  return network.layers.flatMap((layer) => layerLabel(layer) ?? []).join(' ');
}

/** The names of the layers with weights, in forward order, as the engine names them: Conv1, Conv2, Affine1, ... (the gradient flow's entries). */
export function weightLayerNames(network: NetworkConfig): string[] {
  if (!isLayerListNetwork(network)) return Array.from({ length: network.hiddenSizes.length + 1 }, (_, l) => `Affine${l + 1}`);
  const counts = { conv: 0, affine: 0 };
  return network.layers.flatMap((layer) => (layer.type === 'conv' ? [`Conv${++counts.conv}`] : layer.type === 'affine' ? [`Affine${++counts.affine}`] : []));
}
