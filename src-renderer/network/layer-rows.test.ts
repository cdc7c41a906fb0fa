import { describe, expect, it } from 'vitest';
import { deepConvNet, simpleConvNet, type LayerListSpec } from '../../src-engine/networks/layer-list-spec';
import { describeLayers, formatShape } from './layer-rows';

const summary = (spec: LayerListSpec) => describeLayers(spec).rows.map((row) => [row.layer.type, row.shape && formatShape(row.shape), row.parameters, row.error]);

describe('describeLayers', () => {
  it("gives the book's SimpleConvNet its shapes and parameter counts", () => {
    const described = describeLayers(simpleConvNet());
    expect(summary(simpleConvNet())).toEqual([
      ['conv', '30×24×24', 780, undefined],
      ['relu', '30×24×24', 0, undefined],
      ['pool', '30×12×12', 0, undefined],
      ['affine', '100', 432100, undefined],
      ['relu', '100', 0, undefined],
      ['affine', '10', 1010, undefined],
    ]);
    expect(described.totalParameters).toBe(780 + 432100 + 1010);
    expect(described.problem).toBeUndefined();
  });

  it("counts DeepConvNet's conv filters over the channels they read", () => {
    const { rows, problem } = describeLayers(deepConvNet());
    expect(problem).toBeUndefined();
    // conv 16 3x3 on 1 channel, then 16 on 16 channels; the first pooling halves 28 to 14.
    expect(rows.slice(0, 5).map((r) => [r.shape && formatShape(r.shape), r.parameters])).toEqual([['16×28×28', 160], ['16×28×28', 0], ['16×28×28', 16 * 16 * 9 + 16], ['16×28×28', 0], ['16×14×14', 0]]);
    // The fourth conv pads by 2: 14 + 4 - 3 + 1 = 16.
    expect(rows[8]!.shape).toEqual([32, 16, 16]);
    expect(rows.at(-1)!.shape).toEqual([10]);
  });

  it('counts a BatchNorm as gamma and beta over every value of a sample', () => {
    const spec: LayerListSpec = { ...simpleConvNet(), layers: [{ type: 'conv', filters: 2, size: 3, stride: 1, pad: 1 }, { type: 'batchnorm' }, { type: 'affine', units: 10 }] };
    expect(describeLayers(spec).rows[1]!.parameters).toBe(2 * 2 * 28 * 28);
  });

  it("marks the layer that does not fit with the engine's words and leaves the shapes after it unknown", () => {
    const spec: LayerListSpec = { ...simpleConvNet(), layers: [{ type: 'conv', filters: 4, size: 5, stride: 1, pad: 0 }, { type: 'pool', size: 30, stride: 1 }, { type: 'affine', units: 10 }] };
    const { rows, problem, totalParameters } = describeLayers(spec);
    expect(summary(spec)).toEqual([
      ['conv', '4×24×24', 4 * 25 + 4, undefined],
      ['pool', undefined, undefined, 'Its 30x30 window does not fit the 24x24 images layers[0] (conv 4 filters 5x5) gives (4, 24, 24)'],
      ['affine', undefined, undefined, undefined],
    ]);
    expect(problem).toBe(rows[1]!.error);
    expect(totalParameters).toBe(104);
  });

  it('puts a wrong ending on the last row, which keeps its shape', () => {
    const spec: LayerListSpec = { ...simpleConvNet(), layers: [{ type: 'conv', filters: 4, size: 5, stride: 1, pad: 0 }] };
    const { rows, problem } = describeLayers(spec);
    expect(rows[0]!.shape).toEqual([4, 24, 24]);
    expect(rows[0]!.error).toBe('The network must end in 10 class scores, but layers[0] (conv 4 filters 5x5) gives (4, 24, 24): end the list with an affine of 10 units');
    expect(problem).toBe(rows[0]!.error);
  });

  it('refuses an empty list with the ending message', () => {
    expect(describeLayers({ ...simpleConvNet(), layers: [] })).toEqual({ rows: [], totalParameters: 0, problem: 'The network must end in 10 class scores, but the input gives (1, 28, 28): end the list with an affine of 10 units' });
  });

  it('names a field typed out of range', () => {
    const spec: LayerListSpec = { ...simpleConvNet(), layers: [{ type: 'dropout', ratio: 1 }, { type: 'affine', units: 10 }] };
    expect(describeLayers(spec).rows[0]!.error).toBe('Ratio must be at least 0 and below 1, got 1');
  });
});
