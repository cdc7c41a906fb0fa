import type { DatasetSplit } from '../dataset';
import { Relu } from '../layers/relu';
import { Sigmoid } from '../layers/sigmoid';
import type { TrainableNetwork } from '../networks/trainable-network';
import { Tensor } from '../tensor';
import { PIXEL_SCALE } from '../training/split-images';
import { BOOK_HISTOGRAM } from './activation-histogram';
import { histogram, type Histogram } from './histogram';

/** One hidden layer's activations (the output of its ReLU or sigmoid) over a batch of images. */
interface LayerActivations {
  readonly name: string;
  readonly histogram: Histogram;
}

/** A network's activation histograms on real images, as the book draws them for random inputs. */
export interface NetworkActivations {
  readonly samples: number;
  readonly layers: readonly LayerActivations[];
}

/**
 * Runs the first `samples` images of a split through the net's own layers in inference mode (BatchNorm with its
 * running statistics, no dropout) and bins each activation layer's output in the book's 30 bins: over (0, 1)
 * for sigmoid, and for ReLU over (0, the largest activation of any layer), so all layers share one axis.
 */
export function networkActivations(net: TrainableNetwork, split: DatasetSplit, samples: number): NetworkActivations {
  const rows = Math.min(samples, split.count);
  const x = Tensor.zeros([rows, split.rows * split.cols], net.dtype);
  net.ops.gatherRows(split.images, Int32Array.from({ length: rows }, (_, i) => i), PIXEL_SCALE, x);
  const images = x.reshape([rows, ...net.inputShape]);
  // Two passes, so that no layer's output has to be kept: the first finds the ReLU layers' common range, the
  // second bins each layer's output as it comes (a layer reuses its output buffer on its next call).
  let largest = 0;
  forEachActivation(net, images, (output, relu) => {
    if (relu) for (const v of output.data) if (v > largest) largest = v;
  });
  const reluRange: readonly [number, number] = [0, largest > 0 ? largest : 1];
  const layers: LayerActivations[] = [];
  forEachActivation(net, images, (output, relu, name) => layers.push({ name, histogram: histogram(output.data, BOOK_HISTOGRAM.bins, relu ? reluRange : [0, 1]) }));
  return { samples: rows, layers };
}

/** Runs x forward through the net in inference mode, handing each ReLU or sigmoid layer's output to `visit`. */
function forEachActivation(net: TrainableNetwork, x: Tensor, visit: (output: Tensor, relu: boolean, name: string) => void): void {
  let out = x;
  for (const layer of net.layers) {
    out = layer.forward(out, false);
    if (layer instanceof Relu || layer instanceof Sigmoid) visit(out, layer instanceof Relu, layer.name);
  }
}
