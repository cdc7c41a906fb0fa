import type { LayerTrace, TracedLayer } from '../../src-shared/api';
import type { DatasetSplit } from '../dataset';
import type { Backend } from '../backend';
import { Affine } from '../layers/affine';
import { BatchNormalization } from '../layers/batch-normalization';
import { Dropout } from '../layers/dropout';
import type { MultiLayerNet } from '../networks/multi-layer-net';
import { Tensor } from '../tensor';

function norm(backend: Backend, t: Tensor): number {
  return Math.sqrt(backend.sumSquares(t.data, t.size));
}

/** Runs the net's own layers forward and backward on the first `batchSize` images of a split. */
export function traceLayers(net: MultiLayerNet, split: DatasetSplit, batchSize: number): LayerTrace {
  const rows = Math.min(batchSize, split.count);
  const pixels = split.rows * split.cols;
  const x = Tensor.zeros([rows, pixels], net.dtype);
  const indices = Int32Array.from({ length: rows }, (_, i) => i);
  net.backend.gatherRows(split.images, pixels, indices, 1 / 255, x.data);
  const labels = Int32Array.from(split.labels.subarray(0, rows));

  const shapes: Array<{ input: number[]; output: number[] }> = [];
  let out = x;
  for (const layer of net.layers) {
    const input = [...out.shape];
    out = layer.forward(out, true);
    shapes.push({ input, output: [...out.shape] });
  }
  const scoresShape = [...out.shape];
  const loss = net.lastLayer.forward(out, labels);
  let dout = net.lastLayer.backward();
  const traced: TracedLayer[] = [
    { name: 'SoftmaxWithLoss', kind: 'SoftmaxWithLoss', inputShape: scoresShape, outputShape: [], outputGradientNorm: 1, inputGradientNorm: norm(net.backend, dout) },
  ];
  for (let i = net.layers.length - 1; i >= 0; i--) {
    const layer = net.layers[i]!;
    const outputGradientNorm = norm(net.backend, dout);
    const dx = layer.backward(dout);
    const kind = layer instanceof Affine ? 'Affine' : layer instanceof BatchNormalization ? 'BatchNorm' : layer instanceof Dropout ? 'Dropout' : layer.name.startsWith('Relu') ? 'Relu' : 'Sigmoid';
    traced.push({
      name: layer.name,
      kind,
      inputShape: shapes[i]!.input,
      outputShape: shapes[i]!.output,
      outputGradientNorm,
      inputGradientNorm: dx.size === 0 ? null : norm(net.backend, dx),
      ...(layer instanceof Affine ? { weightGradientNorm: norm(net.backend, layer.dW), biasGradientNorm: norm(net.backend, layer.db) } : {}),
      ...(layer instanceof BatchNormalization ? { weightGradientNorm: norm(net.backend, layer.dgamma), biasGradientNorm: norm(net.backend, layer.dbeta) } : {}),
    });
    dout = dx;
  }
  return { batchSize: rows, loss, layers: traced.reverse() };
}
