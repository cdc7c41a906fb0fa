import type { Backend, WindowArgs } from '../../backend';
import { requireLength, requireNoOverlap, requireSameDtype } from './checks';
import { convolutionKernels, convGeometry, scratch } from './convolution';
import { reluPoolKernels } from './relu-pool';

/**
 * A Convolution, a Relu and a 2x2 stride-2 max Pooling as one kernel each way (the networks' fast path for
 * that triple, layers/conv-relu-pooling.ts), here simply the kernels beside this file in turn: convForward
 * into a scratch image, then reluMaxPoolForward; backward reluMaxPoolBackward into a scratch image, then
 * convBackwardFilters (scratch slot 2 of convolution.ts). The compiled backends do the same sums without the
 * scratch images.
 */
export const convReluPoolKernels: Pick<Backend, 'convReluPoolForward' | 'convReluPoolBackwardFilters'> = {
  convReluPoolForward(x, w, bias, out, argmax, filters, ...window) {
    const g = pooledGeometry('convReluPoolForward', filters, window);
    requireLength('convReluPoolForward', out, g.pooledSize, `out ${g.pooledShape}`);
    requireLength('convReluPoolForward', argmax, g.pooledSize, `argmax ${g.pooledShape}`);
    requireSameDtype('convReluPoolForward', x, w, bias, out);
    if (g.pooledSize > 0) for (const input of [x, w, bias]) requireNoOverlap('convReluPoolForward', out, input, 'out must not overlap x, w or bias');
    const conv = scratch(x, 2, g.outSize);
    convolutionKernels.convForward(x, w, bias, conv, filters, ...window);
    reluPoolKernels.reluMaxPoolForward(conv, out, argmax, ...g.poolWindow);
  },

  convReluPoolBackwardFilters(x, dout, argmax, dw, db, filters, ...window) {
    const g = pooledGeometry('convReluPoolBackwardFilters', filters, window);
    requireLength('convReluPoolBackwardFilters', dout, g.pooledSize, `dout ${g.pooledShape}`);
    requireLength('convReluPoolBackwardFilters', argmax, g.pooledSize, `argmax ${g.pooledShape}`);
    requireSameDtype('convReluPoolBackwardFilters', x, dout, dw, db);
    if (g.filterSize > 0) requireNoOverlap('convReluPoolBackwardFilters', dw, dout, 'dw must not overlap x or dout');
    if (g.filters > 0) requireNoOverlap('convReluPoolBackwardFilters', db, dout, 'db must not overlap dw, x or dout');
    const dconv = scratch(dout, 2, g.outSize);
    reluPoolKernels.reluMaxPoolBackward(dout, argmax, dconv, ...g.poolWindow);
    convolutionKernels.convBackwardFilters(x, dconv, dw, db, filters, ...window);
  },
};

/** The convolution's sizes (convGeometry), and the 2x2 stride-2 pooling's window over its output, which it must fit. */
export function pooledGeometry(name: string, filters: number, window: WindowArgs) {
  const g = convGeometry(name, filters, window);
  if (g.outH < 2 || g.outW < 2) throw new RangeError(`${name}: the convolution's ${g.outH}x${g.outW} output is smaller than the 2x2 pooling window`);
  const [ph, pw] = [Math.floor(g.outH / 2), Math.floor(g.outW / 2)];
  const poolWindow: WindowArgs = [g.n, filters, g.outH, g.outW, 2, 2, 2, 0];
  return { ...g, poolWindow, pooledSize: g.n * filters * ph * pw, pooledShape: `${g.n}x${filters}x${ph}x${pw}` };
}
