import type { DatasetSplit } from '../dataset';
import { Affine } from '../layers/affine';
import { BatchNormalization } from '../layers/batch-normalization';
import { Convolution } from '../layers/convolution';
import { Dropout } from '../layers/dropout';
import type { Layer } from '../layers/layer';
import { Pooling } from '../layers/pooling';
import { Relu } from '../layers/relu';
import type { TrainableNetwork } from '../networks/trainable-network';
import { Tensor } from '../tensor';
import { PIXEL_SCALE } from '../training/split-images';

/** One layer of the network as the Graph view draws it, after one forward/backward pass on a batch. */
interface TracedLayer {
  readonly name: string;
  readonly kind: 'Convolution' | 'Pooling' | 'Affine' | 'BatchNorm' | 'Relu' | 'Sigmoid' | 'Dropout' | 'SoftmaxWithLoss';
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /** ||dL/d(output)||: the gradient arriving at the layer from above. */
  readonly outputGradientNorm: number;
  /** ||dL/d(input)||, or null where the engine skips it (the first Affine's dx is never needed). */
  readonly inputGradientNorm: number | null;
  /** ||dL/dW|| and ||dL/db|| of an Affine or Convolution layer (||dL/dgamma|| and ||dL/dbeta|| of a BatchNorm). */
  readonly weightGradientNorm?: number;
  readonly biasGradientNorm?: number;
}

/** One forward/backward pass of a network on a batch, layer by layer. */
export interface LayerTrace {
  readonly batchSize: number;
  readonly loss: number;
  readonly layers: readonly TracedLayer[];
}

function kindOf(layer: Layer): TracedLayer['kind'] {
  if (layer instanceof Convolution) return 'Convolution';
  if (layer instanceof Pooling) return 'Pooling';
  if (layer instanceof Affine) return 'Affine';
  if (layer instanceof BatchNormalization) return 'BatchNorm';
  if (layer instanceof Dropout) return 'Dropout';
  return layer instanceof Relu ? 'Relu' : 'Sigmoid';
}

/** Runs the net's own layers forward and backward on the first `batchSize` images of a split. */
export function traceLayers(net: TrainableNetwork, split: DatasetSplit, batchSize: number): LayerTrace {
  const { ops } = net;
  const norm = (t: Tensor): number => Math.sqrt(ops.sumSquares(t));
  const rows = Math.min(batchSize, split.count);
  const x = Tensor.zeros([rows, split.rows * split.cols], net.dtype);
  const indices = Int32Array.from({ length: rows }, (_, i) => i);
  ops.gatherRows(split.images, indices, PIXEL_SCALE, x);
  const labels = Int32Array.from(split.labels.subarray(0, rows));
  const images = x.reshape([rows, ...net.inputShape]);

  const shapes: Array<{ input: number[]; output: number[] }> = [];
  let out = images;
  for (const layer of net.layers) {
    const input = [...out.shape];
    out = layer.forward(out, true);
    shapes.push({ input, output: [...out.shape] });
  }
  const scoresShape = [...out.shape];
  const loss = net.lastLayer.forward(out, labels);
  let dout = net.lastLayer.backward();
  const traced: TracedLayer[] = [
    { name: 'SoftmaxWithLoss', kind: 'SoftmaxWithLoss', inputShape: scoresShape, outputShape: [], outputGradientNorm: 1, inputGradientNorm: norm(dout) },
  ];
  for (let i = net.layers.length - 1; i >= 0; i--) {
    const layer = net.layers[i];
    const outputGradientNorm = norm(dout);
    const dx = layer.backward(dout);
    traced.push({
      name: layer.name,
      kind: kindOf(layer),
      inputShape: shapes[i].input,
      outputShape: shapes[i].output,
      outputGradientNorm,
      inputGradientNorm: dx.size === 0 ? null : norm(dx),
      ...(layer instanceof Affine || layer instanceof Convolution ? { weightGradientNorm: norm(layer.dW), biasGradientNorm: norm(layer.db) } : {}),
      ...(layer instanceof BatchNormalization ? { weightGradientNorm: norm(layer.dgamma), biasGradientNorm: norm(layer.dbeta) } : {}),
    });
    dout = dx;
  }
  return { batchSize: rows, loss, layers: traced.reverse() };
}
