import type { LayerListSpec, LayerSpec } from '../../src-engine/networks/layer-list-spec';

export type LayerType = LayerSpec['type'];

export const LAYER_TYPES: readonly { readonly type: LayerType; readonly label: string }[] = [
  { type: 'conv', label: 'Convolution' },
  { type: 'pool', label: 'Max pooling' },
  { type: 'affine', label: 'Affine' },
  { type: 'relu', label: 'ReLU' },
  { type: 'sigmoid', label: 'Sigmoid' },
  { type: 'batchnorm', label: 'Batch normalization' },
  { type: 'dropout', label: 'Dropout' },
];

/** A new layer of a type with the book's usual values: conv 16 filters 3x3 pad 1 (keeps H and W), pool 2x2 stride 2, affine 100, dropout 0.5. */
export function newLayer(type: LayerType): LayerSpec {
  switch (type) {
    case 'conv':
      return { type, filters: 16, size: 3, stride: 1, pad: 1 };
    case 'pool':
      return { type, size: 2, stride: 2 };
    case 'affine':
      return { type, units: 100 };
    case 'dropout':
      return { type, ratio: 0.5 };
    default:
      return { type };
  }
}

const withLayers = (spec: LayerListSpec, layers: LayerSpec[]): LayerListSpec => ({ ...spec, layers });

/** The list with `layer` inserted before position `at` (0 = first, layers.length = last). */
export function insertLayer(spec: LayerListSpec, at: number, layer: LayerSpec): LayerListSpec {
  const layers = [...spec.layers];
  layers.splice(Math.max(0, Math.min(at, layers.length)), 0, layer);
  return withLayers(spec, layers);
}

export function removeLayer(spec: LayerListSpec, index: number): LayerListSpec {
  return withLayers(spec, spec.layers.filter((_, i) => i !== index));
}

/** The list with layer `index` swapped with its neighbour above (-1) or below (+1); unchanged at either end. */
export function moveLayer(spec: LayerListSpec, index: number, step: -1 | 1): LayerListSpec {
  const target = index + step;
  if (index < 0 || index >= spec.layers.length || target < 0 || target >= spec.layers.length) return spec;
  const layers = [...spec.layers];
  [layers[index], layers[target]] = [layers[target]!, layers[index]!];
  return withLayers(spec, layers);
}

export type LayerField = 'filters' | 'size' | 'stride' | 'pad' | 'units' | 'ratio';

/** The numbers each type of layer is set by, as the editor shows them (the engine checks their ranges). */
export const LAYER_FIELDS: Readonly<Record<LayerType, readonly { readonly field: LayerField; readonly label: string; readonly integer: boolean; readonly min: number }[]>> = {
  conv: [
    { field: 'filters', label: 'Filters', integer: true, min: 1 },
    { field: 'size', label: 'Size', integer: true, min: 1 },
    { field: 'stride', label: 'Stride', integer: true, min: 1 },
    { field: 'pad', label: 'Pad', integer: true, min: 0 },
  ],
  pool: [
    { field: 'size', label: 'Size', integer: true, min: 1 },
    { field: 'stride', label: 'Stride', integer: true, min: 1 },
  ],
  affine: [{ field: 'units', label: 'Units', integer: true, min: 1 }],
  relu: [],
  sigmoid: [],
  batchnorm: [],
  dropout: [{ field: 'ratio', label: 'Ratio', integer: false, min: 0 }],
};

/** A field's value in a layer, undefined when that type of layer has no such field. */
export function layerField(layer: LayerSpec, field: LayerField): number | undefined {
  const values: Partial<Record<LayerField | 'type', number | string>> = layer;
  const value = values[field];
  return typeof value === 'number' ? value : undefined;
}

/** The layer with one of its numeric fields set; a field its type does not have leaves it unchanged. */
function withField(layer: LayerSpec, field: LayerField, value: number): LayerSpec {
  switch (layer.type) {
    case 'conv':
      return field === 'filters' || field === 'size' || field === 'stride' || field === 'pad' ? { ...layer, [field]: value } : layer;
    case 'pool':
      return field === 'size' || field === 'stride' ? { ...layer, [field]: value } : layer;
    case 'affine':
      return field === 'units' ? { ...layer, units: value } : layer;
    case 'dropout':
      return field === 'ratio' ? { ...layer, ratio: value } : layer;
    default:
      return layer;
  }
}

/** The list with one numeric field of layer `index` set. */
export function setLayerField(spec: LayerListSpec, index: number, field: LayerField, value: number): LayerListSpec {
  return withLayers(spec, spec.layers.map((l, i) => (i === index ? withField(l, field, value) : l)));
}
