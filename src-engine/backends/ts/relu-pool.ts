import type { Backend } from '../../backend';
import { requireLength, requireNoOverlap, requireSameDtype } from './checks';
import { geometry } from './conv';

/**
 * The book's Relu followed by its max Pooling as one kernel each way (the networks' fast path for that pair,
 * layers/relu-pooling.ts). Pooling the ReLU'd image is max(0, the window's maximum), as max(0, .) is monotone;
 * the gradient reaches the window's first maximum only when that is positive (else ReLU stopped it: argmax
 * -1). The same numbers as reluForward, maxPoolForward, then maxPoolBackward and reluBackward
 * (relu-pool.test.ts checks it), without the ReLU'd image and its mask.
 */
export const reluPoolKernels: Pick<Backend, 'reluMaxPoolForward' | 'reluMaxPoolBackward'> = {
  reluMaxPoolForward(x, out, argmax, ...window) {
    const g = geometry('reluMaxPoolForward', window);
    requireSameDtype('reluMaxPoolForward', x, out);
    requireLength('reluMaxPoolForward', x, g.imageSize, `x ${g.imageShape}`);
    requireLength('reluMaxPoolForward', out, g.pooledSize, `out ${g.pooledShape}`);
    requireLength('reluMaxPoolForward', argmax, g.pooledSize, `argmax ${g.pooledShape}`);
    if (g.pooledSize > 0) requireNoOverlap('reluMaxPoolForward', out, x, 'out must not overlap x');
    const { n, c, h, w, fh, fw, stride, pad, outH, outW } = g;
    for (let plane = 0; plane < n * c; plane++) {
      const image = plane * h * w;
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          // max(0, window): start from 0 with no position; padding (0) never beats it.
          let best = -1;
          let max = 0;
          for (let ky = 0; ky < fh; ky++) {
            const y = oy * stride + ky - pad;
            if (y < 0 || y >= h) continue;
            for (let kx = 0; kx < fw; kx++) {
              const xx = ox * stride + kx - pad;
              // Strictly greater: the first maximum wins ties, as np.argmax.
              if (xx >= 0 && xx < w && x[image + y * w + xx] > max) {
                max = x[image + y * w + xx];
                best = ky * fw + kx;
              }
            }
          }
          const o = (plane * outH + oy) * outW + ox;
          out[o] = max;
          argmax[o] = best;
        }
      }
    }
  },

  reluMaxPoolBackward(dout, argmax, dx, ...window) {
    const g = geometry('reluMaxPoolBackward', window);
    requireSameDtype('reluMaxPoolBackward', dout, dx);
    requireLength('reluMaxPoolBackward', dout, g.pooledSize, `dout ${g.pooledShape}`);
    requireLength('reluMaxPoolBackward', argmax, g.pooledSize, `argmax ${g.pooledShape}`);
    requireLength('reluMaxPoolBackward', dx, g.imageSize, `dx ${g.imageShape}`);
    if (g.imageSize > 0) requireNoOverlap('reluMaxPoolBackward', dx, dout, 'dx must not overlap dout');
    const { n, c, h, w, fh, fw, stride, pad, outH, outW } = g;
    // Every index is checked before dx is written, so a bad one leaves dx untouched.
    for (let o = 0; o < g.pooledSize; o++) {
      const best = argmax[o]!;
      if (!(best >= -1 && best < fh * fw)) throw new RangeError(`reluMaxPoolBackward: argmax[${o}] = ${best} is outside the ${fh}x${fw} window (or -1)`);
    }
    dx.fill(0, 0, g.imageSize);
    for (let plane = 0; plane < n * c; plane++) {
      const image = plane * h * w;
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const o = (plane * outH + oy) * outW + ox;
          const best = argmax[o]!;
          if (best < 0) continue;
          // A positive maximum is a pixel of the image, never padding.
          dx[image + (oy * stride + Math.floor(best / fw) - pad) * w + ox * stride + (best % fw) - pad] += dout[o]!;
        }
      }
    }
  },
};
