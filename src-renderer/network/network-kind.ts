import { simpleConvNet, type LayerListSpec } from '../../src-engine/networks/layer-list-spec';
import { networkSpec, type NetworkSpec } from '../../src-engine/networks/network-spec';
import { isLayerListNetwork, type NetworkConfig } from '../../src-shared/config';

/**
 * The two kinds of network a config can hold, as the Network view reads and writes them: the MLP of chapters
 * 5 and 6 (network.hiddenSizes ...) and a layer list (network.layers: chapter 7's conv nets), told apart by
 * the shared config's own guard.
 */
export type NetworkKind = 'mlp' | 'layers';

/** A config's layer-list network, undefined for the MLP. */
export function layerListOf(network: NetworkConfig): LayerListSpec | undefined {
  return isLayerListNetwork(network) ? network : undefined;
}

/** A config's MLP, or the book's 784-50-10 for a layer list (what the fully connected fields start from). */
export function mlpOf(network: NetworkConfig): NetworkSpec {
  return isLayerListNetwork(network) ? networkSpec() : network;
}

/** A network's L2 weight decay lambda: the MLP's, or a layer list's (0 when it has none). */
export function weightDecayOf(network: NetworkConfig | LayerListSpec): number {
  return network.weightDecay ?? 0;
}

/** The layer list a form starts from when the config holds an MLP: the book's SimpleConvNet. */
export function defaultLayerList(): LayerListSpec {
  return simpleConvNet();
}

/**
 * The `network` of a config for a layer list, in the shared schema's input shape (validated there): the
 * list with the form's weight decay. Fields the form does not show (the loss delta) come with the list.
 */
export function layerListNetworkInput(spec: LayerListSpec, weightDecay: number | string): Record<string, unknown> {
  return { ...spec, input: [...spec.input], layers: spec.layers.map((layer) => ({ ...layer })), weightDecay };
}
