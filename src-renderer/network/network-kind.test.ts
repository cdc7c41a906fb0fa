import { describe, expect, it } from 'vitest';
import { simpleConvNet } from '../../src-engine/networks/layer-list-spec';
import { networkSpec } from '../../src-engine/networks/network-spec';
import { parseTrainConfig } from '../../src-shared/config';
import { layerListNetworkInput, layerListOf, mlpOf, weightDecayOf } from './network-kind';

describe('network kind', () => {
  it('tells a layer list from the MLP by its layers', () => {
    const mlp = networkSpec({ hiddenSizes: [100], weightDecay: 0.1 });
    expect(layerListOf(mlp)).toBeUndefined();
    expect(mlpOf(mlp)).toBe(mlp);
    const conv = parseTrainConfig({ network: simpleConvNet() }).network;
    expect(layerListOf(conv)).toEqual(simpleConvNet());
    expect(mlpOf(conv)).toEqual(networkSpec());
    expect(weightDecayOf(mlp)).toBe(0.1);
    expect(weightDecayOf(simpleConvNet())).toBe(0);
  });

  it("writes a layer list as the config's network with the form's weight decay, copying the layers", () => {
    const spec = simpleConvNet();
    const input = layerListNetworkInput(spec, 0.001);
    expect(input).toEqual({ input: [1, 28, 28], layers: spec.layers, output: 10, weightInit: 0.01, weightDecay: 0.001 });
    expect(input.layers).not.toBe(spec.layers);
  });
});
