import { describe, expect, it } from 'vitest';
import { simpleConvNet } from '../../src-engine/networks/layer-list-spec';
import { insertLayer, layerField, moveLayer, newLayer, removeLayer, setLayerField } from './layer-list-edits';

const types = (spec: { layers: readonly { type: string }[] }): string[] => spec.layers.map((l) => l.type);

describe('layer list edits', () => {
  const spec = simpleConvNet();

  it('inserts a layer at a position, clamped to the list', () => {
    expect(types(insertLayer(spec, 1, newLayer('batchnorm')))).toEqual(['conv', 'batchnorm', 'relu', 'pool', 'affine', 'relu', 'affine']);
    expect(types(insertLayer(spec, 99, newLayer('dropout')))).toEqual(['conv', 'relu', 'pool', 'affine', 'relu', 'affine', 'dropout']);
    expect(types(insertLayer(spec, -1, newLayer('pool')))).toEqual(['pool', 'conv', 'relu', 'pool', 'affine', 'relu', 'affine']);
    expect(types(spec)).toEqual(['conv', 'relu', 'pool', 'affine', 'relu', 'affine']);
  });

  it('gives new layers the usual values', () => {
    expect(newLayer('conv')).toEqual({ type: 'conv', filters: 16, size: 3, stride: 1, pad: 1 });
    expect(newLayer('pool')).toEqual({ type: 'pool', size: 2, stride: 2 });
    expect(newLayer('affine')).toEqual({ type: 'affine', units: 100 });
    expect(newLayer('dropout')).toEqual({ type: 'dropout', ratio: 0.5 });
    expect(newLayer('relu')).toEqual({ type: 'relu' });
  });

  it('removes and moves layers, leaving the ends alone', () => {
    expect(types(removeLayer(spec, 2))).toEqual(['conv', 'relu', 'affine', 'relu', 'affine']);
    expect(types(moveLayer(spec, 2, -1))).toEqual(['conv', 'pool', 'relu', 'affine', 'relu', 'affine']);
    expect(types(moveLayer(spec, 0, 1))).toEqual(['relu', 'conv', 'pool', 'affine', 'relu', 'affine']);
    expect(moveLayer(spec, 0, -1)).toBe(spec);
    expect(moveLayer(spec, 5, 1)).toBe(spec);
  });

  it('sets only the fields a layer has', () => {
    const edited = setLayerField(spec, 0, 'filters', 8);
    expect(edited.layers[0]).toEqual({ type: 'conv', filters: 8, size: 5, stride: 1, pad: 0 });
    expect(setLayerField(spec, 1, 'units', 8).layers[1]).toEqual({ type: 'relu' });
    expect(setLayerField(spec, 2, 'filters', 8).layers[2]).toEqual({ type: 'pool', size: 2, stride: 2 });
    expect(layerField(spec.layers[3]!, 'units')).toBe(100);
    expect(layerField(spec.layers[3]!, 'size')).toBeUndefined();
  });
});
