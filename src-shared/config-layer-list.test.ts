import { describe, expect, it } from 'vitest';
import { deepConvNet, simpleConvNet } from '../src-engine/networks/layer-list-spec';
import { isLayerListNetwork, parseTrainConfig, safeParseTrainConfig } from './config';
import { networkClasses, networkInputSize, networkLabel, weightLayerNames } from './network-config';

/** The issues of a config whose network is this layer list (every other field at its default). */
function issuesOf(layers: unknown, network: Record<string, unknown> = {}): Array<{ field: string; message: string }> {
  const result = safeParseTrainConfig({ network: { layers, ...network } });
  if (result.ok) throw new Error('expected the layer list to be refused');
  return result.issues;
}

const conv = (filters: number, size: number, more: Record<string, number> = {}) => ({ type: 'conv', filters, size, ...more });

describe('a layer-list network in the config', () => {
  it('fills a layer\'s defaults: conv stride 1 pad 0, pool 2x2 stride 2, dropout 0.5; input (1, 28, 28), 10 classes, std 0.01', () => {
    const config = parseTrainConfig({ network: { layers: [conv(4, 3), { type: 'pool' }, { type: 'dropout' }, { type: 'affine', units: 10 }] } });
    expect(config.network).toEqual({
      input: [1, 28, 28],
      layers: [{ type: 'conv', filters: 4, size: 3, stride: 1, pad: 0 }, { type: 'pool', size: 2, stride: 2 }, { type: 'dropout', ratio: 0.5 }, { type: 'affine', units: 10 }],
      output: 10,
      weightInit: 0.01,
    });
  });

  it('tells the two kinds apart by `layers`, and labels, sizes and names the weight layers of each', () => {
    const mlp = parseTrainConfig({}).network;
    const simple = parseTrainConfig({ network: simpleConvNet() }).network;
    expect(isLayerListNetwork(mlp)).toBe(false);
    expect(isLayerListNetwork(simple)).toBe(true);
    expect(networkLabel(mlp)).toBe('784-50-10 relu');
    expect(networkLabel(simple)).toBe('conv30×5 pool2 100 10');
    expect(networkLabel(parseTrainConfig({ network: deepConvNet() }).network)).toBe('conv16×3p1 conv16×3p1 pool2 conv32×3p1 conv32×3p2 pool2 conv64×3p1 conv64×3p1 pool2 50 drop0.5 10 drop0.5');
    expect([networkInputSize(simple), networkClasses(simple)]).toEqual([784, 10]);
    expect(weightLayerNames(simple)).toEqual(['Conv1', 'Affine1', 'Affine2']);
    expect(weightLayerNames(mlp)).toEqual(['Affine1', 'Affine2']);
  });

  it('refuses a window that does not fit the images it gets, naming the layer and the shapes', () => {
    // 28 -> conv 5 -> 24 -> pool -> 12 -> conv 5 -> 8 -> pool -> 4: a 5x5 window does not fit.
    const layers = [conv(8, 5), { type: 'pool' }, conv(8, 5), { type: 'pool' }, conv(8, 5), { type: 'affine', units: 10 }];
    expect(issuesOf(layers)).toEqual([{ field: 'network.layers.4', message: 'its 5x5 window does not fit the 4x4 images layers[3] (pool 2x2) gives (8, 4, 4)' }]);
    expect(issuesOf([conv(8, 3, { pad: 1 }), conv(8, 31), { type: 'affine', units: 10 }])).toEqual([
      { field: 'network.layers.1', message: 'its 31x31 window does not fit the 28x28 images layers[0] (conv 8 filters 3x3) gives (8, 28, 28)' },
    ]);
  });

  it('refuses a list that does not end in the classes, and a conv after a flat layer', () => {
    expect(issuesOf([conv(8, 5), { type: 'affine', units: 100 }])).toEqual([
      { field: 'network.layers', message: 'The network must end in 10 class scores, but layers[1] (affine 100) gives (100): end the list with an affine of 10 units' },
    ]);
    expect(issuesOf([{ type: 'affine', units: 100 }, conv(8, 3), { type: 'affine', units: 10 }])).toEqual([
      { field: 'network.layers.1', message: 'needs images (C, H, W), but layers[0] (affine 100) gives (100)' },
    ]);
  });

  it('refuses bad fields once, by their own name, before any shape is worked out', () => {
    expect(issuesOf([conv(0, 5), { type: 'affine', units: 10 }])).toEqual([{ field: 'network.layers.0.filters', message: 'Must be at least 1' }]);
    expect(issuesOf([{ type: 'convolution', filters: 3, size: 5 }, { type: 'affine', units: 10 }])).toEqual([
      { field: 'network.layers.0.type', message: 'Must be a layer: type one of conv, pool, affine, relu, sigmoid, batchnorm, dropout' },
    ]);
    expect(issuesOf([{ type: 'pool', size: 2, pad: 1 }, { type: 'affine', units: 10 }])).toEqual([{ field: 'network.layers.0', message: 'Unknown field "pad"' }]);
    expect(issuesOf([{ type: 'dropout', ratio: 1 }, { type: 'affine', units: 10 }])).toEqual([{ field: 'network.layers.0.ratio', message: 'Must be below 1' }]);
    expect(issuesOf([])).toEqual([{ field: 'network.layers', message: 'Needs at least 1 entries' }]);
    expect(issuesOf([{ type: 'affine', units: 10 }], { hiddenSizes: [50] })).toEqual([{ field: 'network', message: 'Unknown field "hiddenSizes"' }]);
    expect(issuesOf([{ type: 'affine', units: 10 }], { input: [1, 28] })).toEqual([{ field: 'network.input', message: 'Needs at least 3 entries' }]);
  });

  it('bounds the list: its length, filters, weight layers and trainable values', () => {
    expect(issuesOf(new Array(65).fill({ type: 'relu' }))).toEqual([{ field: 'network.layers', message: 'At most 64 entries' }]);
    expect(issuesOf([conv(1025, 3), { type: 'affine', units: 10 }])).toEqual([{ field: 'network.layers.0.filters', message: 'Must be at most 1024' }]);
    const affines = new Array(33).fill({ type: 'affine', units: 10 });
    expect(issuesOf([conv(1, 1), ...affines])).toEqual([{ field: 'network.layers', message: 'At most 33 conv and affine layers, got 34' }]);
    // 784 x 8192 + 8192 + 8192 x 8192 + 8192 + 8192 x 10 + 10 = 73,629,706: past the 64 million values an ONNX export holds.
    expect(issuesOf([{ type: 'affine', units: 8192 }, { type: 'affine', units: 8192 }, { type: 'affine', units: 10 }])).toEqual([
      { field: 'network.layers', message: 'At most 64,000,000 trainable values, this network has 73,629,706' },
    ]);
  });
});
