import { layerShapes, type LayerListSpec } from './layer-list-spec';

/**
 * What a layer-list network's layers hold per sample, counted from the buffers the layer classes allocate
 * (each sized by the rows it sees): values in the network's dtype, and bytes of masks and argmax indices.
 */
export interface PerSample {
  readonly values: number;
  readonly bytes: number;
}

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Per sample, a training forward + backward (`training`) or an inference forward: Convolution's im2col
 * buffer col (out_h*out_w rows of C*FH*FW), its rows and output, in training dout's rows and (past the first
 * layer) dcol and dx; Pooling's output, argmax and dx; every other layer's output and dx, BatchNorm's xc and
 * xn, ReLU's and Dropout's masks; the gathered input and the softmax's probabilities (and dx).
 */
export function layerListPerSample(spec: LayerListSpec, training: boolean): PerSample {
  const shapes = layerShapes(spec);
  let values = product(shapes[0]) + (training ? 2 : 1) * spec.output;
  let bytes = 0;
  spec.layers.forEach((layer, i) => {
    const input = product(shapes[i]);
    const output = product(shapes[i + 1]);
    const dx = training && i > 0 ? input : 0;
    switch (layer.type) {
      case 'conv': {
        const positions = shapes[i + 1][1] * shapes[i + 1][2];
        const col = positions * shapes[i][0] * layer.size * layer.size;
        values += col + 2 * output + (training ? output + (i > 0 ? col : 0) : 0) + dx;
        break;
      }
      case 'pool':
        values += output + (training ? input : 0);
        bytes += 4 * output;
        break;
      case 'relu':
        values += output + dx;
        bytes += output;
        break;
      case 'batchnorm':
        values += training ? 4 * output : output;
        break;
      case 'dropout':
        values += training ? 3 * output : output;
        break;
      default:
        values += output + dx;
    }
  });
  return { values, bytes };
}

/** Trainable values of a layer list: every W and b, and gamma and beta of each BatchNorm. */
export function layerListParameterCount(spec: LayerListSpec): number {
  const shapes = layerShapes(spec);
  return spec.layers.reduce((count, layer, i) => {
    const input = product(shapes[i]);
    if (layer.type === 'conv') return count + layer.filters * shapes[i][0] * layer.size * layer.size + layer.filters;
    if (layer.type === 'affine') return count + input * layer.units + layer.units;
    if (layer.type === 'batchnorm') return count + 2 * input;
    return count;
  }, 0);
}

/** BatchNorm's running mean and variance of a layer list (kept, not trained). */
export function layerListStatisticsCount(spec: LayerListSpec): number {
  const shapes = layerShapes(spec);
  return spec.layers.reduce((count, layer, i) => count + (layer.type === 'batchnorm' ? 2 * product(shapes[i]) : 0), 0);
}

/** Multiply-adds of one sample's forward pass through the conv and affine layers (a backward costs about twice as many). */
export function layerListMultiplyAdds(spec: LayerListSpec): number {
  const shapes = layerShapes(spec);
  return spec.layers.reduce((count, layer, i) => {
    if (layer.type === 'conv') return count + product(shapes[i + 1]) * shapes[i][0] * layer.size * layer.size;
    if (layer.type === 'affine') return count + product(shapes[i]) * layer.units;
    return count;
  }, 0);
}
