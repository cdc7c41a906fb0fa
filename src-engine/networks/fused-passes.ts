import { ConvReluPooling } from '../layers/conv-relu-pooling';
import { Convolution } from '../layers/convolution';
import type { Layer } from '../layers/layer';
import { Pooling } from '../layers/pooling';
import { Relu } from '../layers/relu';
import { ReluPooling } from '../layers/relu-pooling';
import type { TensorOps } from '../ops';

/**
 * The layers as a network's predict and gradient run them (its fast path): a first Convolution (no input
 * gradient) followed by a Relu and a 2x2 stride-2 unpadded max Pooling becomes one ConvReluPooling, any other
 * Relu directly followed by a max Pooling one ReluPooling; every other layer runs as itself. The layers
 * themselves are unchanged, and inspection still runs them one by one.
 */
export function fusedPasses(layers: readonly Layer[], ops: TensorOps): Layer[] {
  const passes: Layer[] = [];
  for (let i = 0; i < layers.length; i++) {
    const [layer, next, third] = [layers[i]!, layers[i + 1], layers[i + 2]];
    if (layer instanceof Convolution && !layer.computeInputGradient && next instanceof Relu && third instanceof Pooling && isTwoByTwo(third)) {
      passes.push(new ConvReluPooling(ops, layer, next, third));
      i += 2;
    } else if (layer instanceof Relu && next instanceof Pooling) {
      passes.push(new ReluPooling(ops, layer, next));
      i += 1;
    } else {
      passes.push(layer);
    }
  }
  return passes;
}

function isTwoByTwo(pool: Pooling): boolean {
  const { height, width, stride, pad } = pool.window;
  return height === 2 && width === 2 && stride === 2 && pad === 0;
}
