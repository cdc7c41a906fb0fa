import { layerShapes, type LayerListSpec, type LayerSpec } from '../../src-engine/networks/layer-list-spec';

/** One row of the layer-list editor: what the layer gives and holds, or why it does not fit. */
interface LayerRow {
  readonly layer: LayerSpec;
  /** The per-sample shape the layer gives, e.g. [30, 24, 24]; undefined when it or a layer before it does not fit. */
  readonly shape: readonly number[] | undefined;
  /** Trainable values: W and b of a conv or affine, gamma and beta of a BatchNorm; undefined when the shape before it is unknown. */
  readonly parameters: number | undefined;
  /** The engine's reason this layer does not fit, in plain words, when it is this layer that does not. */
  readonly error: string | undefined;
}

export interface LayerListDescription {
  readonly rows: readonly LayerRow[];
  /** Over the layers whose shapes are known. */
  readonly totalParameters: number;
  /** Why the list cannot be trained as it is (a layer's message, or the ending's): undefined when it fits. */
  readonly problem: string | undefined;
}

/** "30×24×24" for images, "100" for a vector. */
export function formatShape(shape: readonly number[]): string {
  return shape.join('×');
}

/** Trainable values of a layer given the per-sample shape it receives (as LayerListNet allocates them). */
function parameterCount(layer: LayerSpec, input: readonly number[]): number {
  const size = input.reduce((a, b) => a * b, 1);
  switch (layer.type) {
    case 'conv':
      // W (FN, C, FH, FW) and b (FN).
      return layer.filters * input[0]! * layer.size * layer.size + layer.filters;
    case 'affine':
      // W (inputs, units) and b (units).
      return size * layer.units + layer.units;
    case 'batchnorm':
      // gamma and beta over every value of a sample.
      return 2 * size;
    default:
      return 0;
  }
}

/** "layers[3] (pool 5x5): its window ..." -> index 3 and "Its window ...". */
const LAYER_MESSAGE = /^layers\[(\d+)\] \([^)]*\): (.*)$/s;

const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * The shape and parameters of every layer of a list, from the engine's own layerShapes. A layer that does
 * not fit is marked with the engine's message (the layers after it have no known shape); a list that fits
 * layer by layer but does not end in `output` scores gets its problem on the last row.
 */
export function describeLayers(spec: LayerListSpec): LayerListDescription {
  let failing: { index: number; message: string } | undefined;
  let shapes: number[][];
  try {
    shapes = layerShapes(spec);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const layer = LAYER_MESSAGE.exec(message);
    failing = layer ? { index: Number(layer[1]), message: capitalised(layer[2]!) } : { index: spec.layers.length - 1, message: capitalised(message) };
    // The layers before the failing one fit: their shapes, from the same list ended by an affine (which takes any shape).
    const fitting = layer ? spec.layers.slice(0, failing.index) : spec.layers;
    try {
      shapes = layerShapes({ ...spec, layers: [...fitting, { type: 'affine', units: spec.output }] }).slice(0, fitting.length + 1);
    } catch {
      // The input itself does not fit: no layer has a shape.
      shapes = [];
      failing = { index: -1, message: capitalised(message) };
    }
  }
  const rows = spec.layers.map((layer, i): LayerRow => {
    const before = shapes[i];
    const after = shapes[i + 1];
    const fits = failing === undefined || i < failing.index || (i === failing.index && after !== undefined);
    return {
      layer,
      shape: fits ? after : undefined,
      parameters: before !== undefined && fits ? parameterCount(layer, before) : undefined,
      error: failing?.index === i ? failing.message : undefined,
    };
  });
  const totalParameters = rows.reduce((sum, row) => sum + (row.parameters ?? 0), 0);
  return { rows, totalParameters, problem: failing?.message };
}
