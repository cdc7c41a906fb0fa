import type { Backend } from '../backend';
import { requireLength, requireNoOverlap, requireSameDtype } from '../backends/ts/checks';
import { convGeometry } from '../backends/ts/convolution';

/**
 * For tests: the convolution by its definition, term by term (the sums the book's im2col + col W^T + b
 * computes, without the col matrix): out[n, f, i, j] = b[f] + sum over c, ky, kx of W[f, c, ky, kx]
 * x[n, c, i*stride + ky - pad, j*stride + kx - pad], padding read as 0. Backward walks the same terms: each
 * one's dout reaches W's entry through x (dW) and x's pixel through W (dx). The oracle of the TypeScript
 * backend's im2col route (backends/ts/convolution.ts) and of the native direct kernels.
 */
export const convDefinition: Pick<Backend, 'convForward' | 'convBackwardFilters' | 'convBackwardInput'> = {
  convForward(x, w, bias, out, filters, ...window) {
    const g = convGeometry('convForward', filters, window);
    requireSameDtype('convForward', x, w, bias, out);
    requireLength('convForward', x, g.imageSize, `x ${g.imageShape}`);
    requireLength('convForward', w, g.filterSize, `w ${g.filterShape}`);
    requireLength('convForward', bias, filters, `bias ${filters}`);
    requireLength('convForward', out, g.outSize, `out ${g.outShape}`);
    if (g.outSize === 0) return;
    for (const input of [x, w, bias]) requireNoOverlap('convForward', out, input, 'out must not overlap x, w or bias');
    for (let n = 0; n < g.n; n++) {
      for (let f = 0; f < filters; f++) {
        for (let i = 0; i < g.outH; i++) {
          for (let j = 0; j < g.outW; j++) {
            let sum = bias[f];
            forEachTerm(g, n, f, i, j, (xi, wi) => (sum += w[wi] * x[xi]));
            out[((n * filters + f) * g.outH + i) * g.outW + j] = sum;
          }
        }
      }
    }
  },

  convBackwardFilters(x, dout, dw, db, filters, ...window) {
    const g = convGeometry('convBackwardFilters', filters, window);
    requireSameDtype('convBackwardFilters', x, dout, dw, db);
    requireLength('convBackwardFilters', x, g.imageSize, `x ${g.imageShape}`);
    requireLength('convBackwardFilters', dout, g.outSize, `dout ${g.outShape}`);
    requireLength('convBackwardFilters', dw, g.filterSize, `dw ${g.filterShape}`);
    requireLength('convBackwardFilters', db, filters, `db ${filters}`);
    if (g.filterSize > 0) for (const input of [x, dout]) requireNoOverlap('convBackwardFilters', dw, input, 'dw must not overlap x or dout');
    if (g.filterSize > 0) requireNoOverlap('convBackwardFilters', dw, db, 'db must not overlap dw, x or dout');
    if (filters > 0) for (const input of [x, dout]) requireNoOverlap('convBackwardFilters', db, input, 'db must not overlap dw, x or dout');
    dw.fill(0, 0, g.filterSize);
    db.fill(0, 0, filters);
    // dW[f, c, ky, kx] = sum of dout[n, f, i, j] x[n, c, i*stride + ky - pad, ...]; db[f] = sum of dout[n, f, :, :].
    eachOutput(g, filters, (n, f, i, j, o) => {
      db[f] += dout[o];
      forEachTerm(g, n, f, i, j, (xi, wi) => (dw[wi] += dout[o] * x[xi]));
    });
  },

  convBackwardInput(dout, w, dx, filters, ...window) {
    const g = convGeometry('convBackwardInput', filters, window);
    requireSameDtype('convBackwardInput', dout, w, dx);
    requireLength('convBackwardInput', dout, g.outSize, `dout ${g.outShape}`);
    requireLength('convBackwardInput', w, g.filterSize, `w ${g.filterShape}`);
    requireLength('convBackwardInput', dx, g.imageSize, `dx ${g.imageShape}`);
    if (g.imageSize > 0) for (const input of [dout, w]) requireNoOverlap('convBackwardInput', dx, input, 'dx must not overlap dout or w');
    dx.fill(0, 0, g.imageSize);
    // dx[n, c, y, x] = sum of dout[n, f, i, j] W[f, c, ky, kx] over the windows that read pixel (y, x).
    eachOutput(g, filters, (n, f, i, j, o) => forEachTerm(g, n, f, i, j, (xi, wi) => (dx[xi] += dout[o] * w[wi])));
  },
};

type ConvGeometry = ReturnType<typeof convGeometry>;

/** Calls fn for every output (n, f, i, j) with its index o in (N, FN, out_h, out_w). */
function eachOutput(g: ConvGeometry, filters: number, fn: (n: number, f: number, i: number, j: number, o: number) => void): void {
  for (let n = 0; n < g.n; n++)
    for (let f = 0; f < filters; f++)
      for (let i = 0; i < g.outH; i++) for (let j = 0; j < g.outW; j++) fn(n, f, i, j, ((n * filters + f) * g.outH + i) * g.outW + j);
}

/** The terms of output (n, f, i, j) inside the image: fn(index of x[n, c, y, x], index of W[f, c, ky, kx]). */
function forEachTerm(g: ConvGeometry, n: number, f: number, i: number, j: number, fn: (xi: number, wi: number) => void): void {
  for (let c = 0; c < g.c; c++) {
    for (let ky = 0; ky < g.fh; ky++) {
      const y = i * g.stride + ky - g.pad;
      if (y < 0 || y >= g.h) continue;
      for (let kx = 0; kx < g.fw; kx++) {
        const xx = j * g.stride + kx - g.pad;
        if (xx >= 0 && xx < g.w) fn(((n * g.c + c) * g.h + y) * g.w + xx, ((f * g.c + c) * g.fh + ky) * g.fw + kx);
      }
    }
  }
}
