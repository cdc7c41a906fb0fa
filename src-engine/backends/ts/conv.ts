import type { Backend, WindowArgs } from '../../backend';
import { requireDims, requireLength, requireNoOverlap, requireSameDtype } from './checks';

/**
 * The convolution and pooling kernels of chapter 7 (common/util.py, common/layers.py), as plain loops: im2col
 * and its adjoint col2im, max pooling forward and backward, and the batched transpose between the book's
 * (N, out_h, out_w, FN) rows and (N, FN, out_h, out_w) images. Each forward sits next to its backward.
 */
export const convKernels: Pick<Backend, 'im2col' | 'col2im' | 'maxPoolForward' | 'maxPoolBackward' | 'transposeBatch'> = {
  im2col(x, col, ...window) {
    const g = geometry('im2col', window);
    requireSameDtype('im2col', x, col);
    requireLength('im2col', x, g.imageSize, `x ${g.imageShape}`);
    requireLength('im2col', col, g.colSize, `col ${g.colShape}`);
    if (g.colSize > 0) requireNoOverlap('im2col', col, x, 'col must not overlap x');
    const { n, c, h, w, fh, fw, stride, pad, outH, outW } = g;
    const k = c * fh * fw;
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const row = ((b * outH + oy) * outW + ox) * k;
          for (let ch = 0; ch < c; ch++) {
            for (let ky = 0; ky < fh; ky++) {
              // (y, x) is the pixel under the window's (ky, kx) in the unpadded image; outside it is padding (0).
              const y = oy * stride + ky - pad;
              for (let kx = 0; kx < fw; kx++) {
                const xx = ox * stride + kx - pad;
                const inside = y >= 0 && y < h && xx >= 0 && xx < w;
                col[row + (ch * fh + ky) * fw + kx] = inside ? x[((b * c + ch) * h + y) * w + xx] : 0;
              }
            }
          }
        }
      }
    }
  },

  col2im(col, dx, ...window) {
    const g = geometry('col2im', window);
    requireSameDtype('col2im', col, dx);
    requireLength('col2im', col, g.colSize, `col ${g.colShape}`);
    requireLength('col2im', dx, g.imageSize, `dx ${g.imageShape}`);
    if (g.imageSize > 0) requireNoOverlap('col2im', dx, col, 'dx must not overlap col');
    const { n, c, h, w, fh, fw, stride, pad, outH, outW } = g;
    const k = c * fh * fw;
    dx.fill(0, 0, g.imageSize);
    // The same walk as im2col, adding each patch back where it came from: overlapping windows add up.
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const row = ((b * outH + oy) * outW + ox) * k;
          for (let ch = 0; ch < c; ch++) {
            for (let ky = 0; ky < fh; ky++) {
              const y = oy * stride + ky - pad;
              if (y < 0 || y >= h) continue;
              for (let kx = 0; kx < fw; kx++) {
                const xx = ox * stride + kx - pad;
                if (xx >= 0 && xx < w) dx[((b * c + ch) * h + y) * w + xx] += col[row + (ch * fh + ky) * fw + kx];
              }
            }
          }
        }
      }
    }
  },

  maxPoolForward(x, out, argmax, ...window) {
    const g = geometry('maxPoolForward', window);
    requireSameDtype('maxPoolForward', x, out);
    requireLength('maxPoolForward', x, g.imageSize, `x ${g.imageShape}`);
    requireLength('maxPoolForward', out, g.pooledSize, `out ${g.pooledShape}`);
    requireLength('maxPoolForward', argmax, g.pooledSize, `argmax ${g.pooledShape}`);
    if (g.pooledSize > 0) requireNoOverlap('maxPoolForward', out, x, 'out must not overlap x');
    const { n, c, h, w, fh, fw, stride, pad, outH, outW } = g;
    for (let plane = 0; plane < n * c; plane++) {
      const image = plane * h * w;
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          let best = 0;
          let max = -Infinity;
          for (let ky = 0; ky < fh; ky++) {
            const y = oy * stride + ky - pad;
            for (let kx = 0; kx < fw; kx++) {
              const xx = ox * stride + kx - pad;
              const v = y >= 0 && y < h && xx >= 0 && xx < w ? x[image + y * w + xx] : 0;
              // Strictly greater: the first maximum in the window wins ties, as np.argmax.
              if (v > max) {
                max = v;
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

  maxPoolBackward(dout, argmax, dx, ...window) {
    const g = geometry('maxPoolBackward', window);
    requireSameDtype('maxPoolBackward', dout, dx);
    requireLength('maxPoolBackward', dout, g.pooledSize, `dout ${g.pooledShape}`);
    requireLength('maxPoolBackward', argmax, g.pooledSize, `argmax ${g.pooledShape}`);
    requireLength('maxPoolBackward', dx, g.imageSize, `dx ${g.imageShape}`);
    if (g.imageSize > 0) requireNoOverlap('maxPoolBackward', dx, dout, 'dx must not overlap dout');
    const { n, c, h, w, fh, fw, stride, pad, outH, outW } = g;
    dx.fill(0, 0, g.imageSize);
    for (let plane = 0; plane < n * c; plane++) {
      const image = plane * h * w;
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const o = (plane * outH + oy) * outW + ox;
          const best = argmax[o];
          if (!(best >= 0 && best < fh * fw)) throw new RangeError(`maxPoolBackward: argmax[${o}] = ${best} is outside the ${fh}x${fw} window`);
          // The gradient goes to the window's maximum only; one that was padding is dropped with the padding.
          const y = oy * stride + Math.floor(best / fw) - pad;
          const xx = ox * stride + (best % fw) - pad;
          if (y >= 0 && y < h && xx >= 0 && xx < w) dx[image + y * w + xx] += dout[o];
        }
      }
    }
  },

  transposeBatch(x, out, batch, rows, cols) {
    requireDims('transposeBatch', { batch, rows, cols });
    requireSameDtype('transposeBatch', x, out);
    const size = batch * rows * cols;
    requireLength('transposeBatch', x, size, `x ${batch}x${rows}x${cols}`);
    requireLength('transposeBatch', out, size, `out ${batch}x${cols}x${rows}`);
    if (size > 0) requireNoOverlap('transposeBatch', out, x, 'out must not overlap x');
    for (let b = 0; b < batch; b++) {
      const base = b * rows * cols;
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[base + j * rows + i] = x[base + i * cols + j];
    }
  },
};

/** The sizes one window sweep implies, checked: out_h = (H + 2 pad - FH) / stride + 1, floored like the book's //. */
export function geometry(name: string, [n, c, h, w, fh, fw, stride, pad]: WindowArgs) {
  requireDims(name, { n, channels: c, height: h, width: w, filterHeight: fh, filterWidth: fw, stride, pad });
  if (fh < 1 || fw < 1 || stride < 1) throw new RangeError(`${name}: the window ${fh}x${fw} and the stride ${stride} must be at least 1`);
  if (fh > h + 2 * pad || fw > w + 2 * pad) throw new RangeError(`${name}: the ${fh}x${fw} window does not fit a ${h}x${w} image padded by ${pad}`);
  const outH = Math.floor((h + 2 * pad - fh) / stride) + 1;
  const outW = Math.floor((w + 2 * pad - fw) / stride) + 1;
  return {
    n, c, h, w, fh, fw, stride, pad, outH, outW,
    imageSize: n * c * h * w,
    imageShape: `${n}x${c}x${h}x${w}`,
    colSize: n * outH * outW * c * fh * fw,
    colShape: `${n * outH * outW}x${c * fh * fw}`,
    pooledSize: n * c * outH * outW,
    pooledShape: `${n}x${c}x${outH}x${outW}`,
  };
}
