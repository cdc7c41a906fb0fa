import type { DType } from '../../src-engine/backend';
import { createTsBackend } from '../../src-engine/backends/ts-backend';
import type { LayerListSpec } from '../../src-engine/networks/layer-list-spec';
import { LayerListNet } from '../../src-engine/networks/layer-list-net';
import { Rng } from '../../src-engine/rng';

/** A convolution's weights W, shape (FN, C, FH, FW), row-major. */
export interface ConvWeights {
  readonly data: ArrayLike<number>;
  readonly shape: readonly [filters: number, channels: number, height: number, width: number];
}

/** One filter as a grey image: FH x FW bytes, its smallest weight black (0), its largest white (255). */
interface FilterImage {
  readonly filter: number;
  readonly pixels: Uint8ClampedArray;
  readonly min: number;
  readonly max: number;
}

export interface FilterGrid {
  readonly columns: number;
  readonly rows: number;
  readonly height: number;
  readonly width: number;
  readonly images: readonly FilterImage[];
}

/** The book's visualize_filter lays the filters out 8 to a row. */
const COLUMNS = 8;

/**
 * The book's visualize_filter (ch7): each filter's channel `channel` as an FH x FW grey image, normalised per
 * filter from its min (black) to its max (white); a filter whose weights are all equal is mid grey.
 */
export function filterGrid(weights: ConvWeights, channel = 0): FilterGrid {
  const [filters, channels, height, width] = weights.shape;
  if (weights.data.length !== filters * channels * height * width) throw new RangeError(`filterGrid: ${weights.data.length} weights, the shape (${weights.shape.join(', ')}) holds ${filters * channels * height * width}`);
  if (!(Number.isInteger(channel) && channel >= 0 && channel < channels)) throw new RangeError(`filterGrid: channel ${channel}, the filters have ${channels}`);
  const area = height * width;
  const images = Array.from({ length: filters }, (_, f): FilterImage => {
    const start = (f * channels + channel) * area;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < area; i++) {
      const v = weights.data[start + i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const range = max - min;
    const pixels = new Uint8ClampedArray(area);
    for (let i = 0; i < area; i++) pixels[i] = range > 0 ? Math.round((255 * (weights.data[start + i]! - min)) / range) : 128;
    return { filter: f, pixels, min, max };
  });
  const columns = Math.min(COLUMNS, Math.max(filters, 1));
  return { columns, rows: Math.ceil(filters / columns), height, width, images };
}

/**
 * The first conv layer's weights before training, as the trainer draws them: the network built from the
 * run's seed (the trainer's Rng(seed) draws the weights first, layer by layer); undefined when the list does
 * not start its weights with a convolution.
 */
export function initialConvWeights(spec: LayerListSpec, seed: number, dtype: DType): ConvWeights | undefined {
  const first = spec.layers.find((layer) => layer.type === 'conv' || layer.type === 'affine');
  if (first?.type !== 'conv') return undefined;
  const net = new LayerListNet(spec, { backend: createTsBackend(), dtype, rng: new Rng(seed) });
  const w1 = net.params.W1!;
  const [filters = 0, channels = 0, height = 0, width = 0] = w1.shape;
  return { data: Float32Array.from(w1.data), shape: [filters, channels, height, width] };
}
