import { MAX_WEIGHT_TILES, type WeightTiles } from '../../src-shared/api';

/**
 * The first weight layer's W as tiles. An Affine's W (inputSize, hidden): one tile per hidden unit (a column
 * of W). A convolution's W (FN, C, FH, FW): one tile per filter (its C*FH*FW weights, contiguous in W), with
 * the filter shape so the page draws them as the book's visualize_filter does. At most `units` tiles.
 */
export function weightTilesOf(shape: readonly number[], values: ArrayLike<number>, units: number, iteration: number | null): WeightTiles {
  if (shape.length === 4) {
    const [filters = 0, channels = 0, height = 0, width = 0] = shape;
    const count = Math.min(units, filters, MAX_WEIGHT_TILES);
    const inputSize = channels * height * width;
    return { data: Array.from({ length: count * inputSize }, (_, i) => values[i]!), units: count, inputSize, iteration, filterShape: [count, channels, height, width] };
  }
  const [inputSize = 0, hidden = 0] = shape;
  const count = Math.min(units, hidden, MAX_WEIGHT_TILES);
  // W1 is inputSize x hidden; a tile is one column (the weights into one hidden unit).
  const data = new Array<number>(count * inputSize);
  for (let u = 0; u < count; u++) for (let i = 0; i < inputSize; i++) data[u * inputSize + i] = values[i * hidden + u]!;
  return { data, units: count, inputSize, iteration };
}
