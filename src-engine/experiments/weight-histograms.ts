import { histogram, type Histogram } from './histogram';

/** The bins of a layer's weight histogram (the book's 30). */
const WEIGHT_HISTOGRAM_BINS = 30;

/** One affine layer's weights (W1, W2, ...): binned over ±max|w| of the layer, with their extremes. */
export interface LayerWeightHistogram {
  readonly name: string;
  readonly histogram: Histogram;
  readonly min: number;
  readonly max: number;
}

/** The named parameters of a network (a MultiLayerNet's `params`, or a checkpoint's tensors). */
type NamedParams = Readonly<Record<string, { readonly data: ArrayLike<number> } | undefined>>;

/**
 * The histogram of each affine layer's weights W1..WL, in layer order, each in `bins` bins over the symmetric
 * range ±max|w| of that layer (±1 when all its weights are zero or none is finite), with its mean, std, min, max.
 */
export function weightHistograms(params: NamedParams, bins = WEIGHT_HISTOGRAM_BINS): LayerWeightHistogram[] {
  const layers: LayerWeightHistogram[] = [];
  for (let l = 1; ; l++) {
    const weights = params[`W${l}`];
    if (!weights) return layers;
    const { data } = weights;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const extent = Math.max(Math.abs(min), Math.abs(max));
    const half = Number.isFinite(extent) && extent > 0 ? extent : 1;
    layers.push({ name: `W${l}`, histogram: histogram(data, bins, [-half, half]), min, max });
  }
}
