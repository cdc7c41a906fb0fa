// The convolution and pooling kernels of chapter 7 (im2col and its adjoint col2im, max pooling forward and
// backward, the batched transpose), one image, plane or matrix per call: the loops of the TypeScript reference
// (src-engine/backends/ts/conv.ts) plus a bounds-free path for windows wholly inside the image and one for the
// usual 2x2 stride-2 pooling; and the operand layouts of the direct convolution (conv_isa.inc). Shared by the
// addon's exports (conv.cc, which checks the arguments and splits a call by image across the pool) and the
// WebAssembly build (native/wasm/abi.cc).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "gemm_isa.h"

namespace bpw {

/** A window over an (N, C, H, W) batch; out_h, out_w floored like the book's //. */
struct ConvGeometry {
  int64_t n, c, h, w, fh, fw, stride, pad, out_h, out_w;
  int64_t image_size() const { return n * c * h * w; }
  int64_t col_size() const { return n * out_h * out_w * c * fh * fw; }
  int64_t pooled_size() const { return n * c * out_h * out_w; }
};

// Image b's rows of col: row (b, oy, ox), column (ch, ky, kx) = x[b, ch, oy * stride + ky - pad, ox * stride + kx - pad], 0 in the padding.
template <typename T>
void im2col_image(const ConvGeometry& g, const T* x, T* col, int64_t b) {
  const int64_t k = g.c * g.fh * g.fw;
  for (int64_t oy = 0; oy < g.out_h; ++oy) {
    const int64_t y0 = oy * g.stride - g.pad;
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      const int64_t x0 = ox * g.stride - g.pad;
      T* row = col + ((b * g.out_h + oy) * g.out_w + ox) * k;
      if (y0 >= 0 && x0 >= 0 && y0 + g.fh <= g.h && x0 + g.fw <= g.w) {
        // The whole window is inside the image (most windows): plain copies of FW pixels, no bounds per pixel.
        for (int64_t ch = 0; ch < g.c; ++ch) {
          const T* src = x + ((b * g.c + ch) * g.h + y0) * g.w + x0;
          for (int64_t ky = 0; ky < g.fh; ++ky, src += g.w, row += g.fw)
            for (int64_t kx = 0; kx < g.fw; ++kx) row[kx] = src[kx];
        }
        continue;
      }
      for (int64_t ch = 0; ch < g.c; ++ch) {
        const T* plane = x + (b * g.c + ch) * g.h * g.w;
        for (int64_t ky = 0; ky < g.fh; ++ky) {
          const int64_t y = y0 + ky;
          T* out = row + (ch * g.fh + ky) * g.fw;
          for (int64_t kx = 0; kx < g.fw; ++kx) {
            const int64_t xx = x0 + kx;
            out[kx] = y >= 0 && y < g.h && xx >= 0 && xx < g.w ? plane[y * g.w + xx] : T(0);
          }
        }
      }
    }
  }
}

// Image b of dx: zeroed, then every patch of col added back where im2col took it from.
template <typename T>
void col2im_image(const ConvGeometry& g, const T* col, T* dx, int64_t b) {
  const int64_t k = g.c * g.fh * g.fw;
  std::fill(dx + b * g.c * g.h * g.w, dx + (b + 1) * g.c * g.h * g.w, T(0));
  for (int64_t oy = 0; oy < g.out_h; ++oy) {
    const int64_t y0 = oy * g.stride - g.pad;
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      const int64_t x0 = ox * g.stride - g.pad;
      const T* row = col + ((b * g.out_h + oy) * g.out_w + ox) * k;
      if (y0 >= 0 && x0 >= 0 && y0 + g.fh <= g.h && x0 + g.fw <= g.w) {
        for (int64_t ch = 0; ch < g.c; ++ch) {
          T* dst = dx + ((b * g.c + ch) * g.h + y0) * g.w + x0;
          for (int64_t ky = 0; ky < g.fh; ++ky, dst += g.w, row += g.fw)
            for (int64_t kx = 0; kx < g.fw; ++kx) dst[kx] += row[kx];
        }
        continue;
      }
      for (int64_t ch = 0; ch < g.c; ++ch) {
        T* plane = dx + (b * g.c + ch) * g.h * g.w;
        for (int64_t ky = 0; ky < g.fh; ++ky) {
          const int64_t y = y0 + ky;
          if (y < 0 || y >= g.h) continue;
          const T* in = row + (ch * g.fh + ky) * g.fw;
          for (int64_t kx = 0; kx < g.fw; ++kx) {
            const int64_t xx = x0 + kx;
            if (xx >= 0 && xx < g.w) plane[y * g.w + xx] += in[kx];
          }
        }
      }
    }
  }
}

// Plane p = (n, c): each window's maximum (padding counts as 0) and the index ky * FW + kx of its first maximum.
template <typename T>
void max_pool_plane(const ConvGeometry& g, const T* x, T* out, int32_t* argmax, int64_t p) {
  const T* plane = x + p * g.h * g.w;
  for (int64_t oy = 0; oy < g.out_h; ++oy) {
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      int32_t best = 0;
      T max = -std::numeric_limits<T>::infinity();
      const int64_t y0 = oy * g.stride - g.pad, x0 = ox * g.stride - g.pad;
      if (y0 >= 0 && x0 >= 0 && y0 + g.fh <= g.h && x0 + g.fw <= g.w) {
        // The whole window is inside the image (always without padding): no bounds to test per pixel.
        for (int64_t ky = 0; ky < g.fh; ++ky) {
          const T* row = plane + (y0 + ky) * g.w + x0;
          for (int64_t kx = 0; kx < g.fw; ++kx) {
            if (row[kx] > max) {  // strictly greater: the first maximum wins ties, as np.argmax
              max = row[kx];
              best = static_cast<int32_t>(ky * g.fw + kx);
            }
          }
        }
      } else {
        for (int64_t ky = 0; ky < g.fh; ++ky) {
          const int64_t y = y0 + ky;
          for (int64_t kx = 0; kx < g.fw; ++kx) {
            const int64_t xx = x0 + kx;
            const T v = y >= 0 && y < g.h && xx >= 0 && xx < g.w ? plane[y * g.w + xx] : T(0);
            if (v > max) {
              max = v;
              best = static_cast<int32_t>(ky * g.fw + kx);
            }
          }
        }
      }
      const int64_t o = (p * g.out_h + oy) * g.out_w + ox;
      out[o] = max;
      argmax[o] = best;
    }
  }
}

// The 2x2 stride-2 unpadded pooling of plane p (the book's and PyTorch's usual one), without bounds or loops
// per window: the first maximum of each window wins ties, as in max_pool_plane.
template <typename T>
void max_pool_2x2_plane(const ConvGeometry& g, const T* x, T* out, int32_t* argmax, int64_t p) {
  const T* plane = x + p * g.h * g.w;
  for (int64_t oy = 0; oy < g.out_h; ++oy) {
    const T* r0 = plane + 2 * oy * g.w;
    const T* r1 = r0 + g.w;
    T* o = out + (p * g.out_h + oy) * g.out_w;
    int32_t* a = argmax + (p * g.out_h + oy) * g.out_w;
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      T m = r0[2 * ox];
      int32_t best = 0;
      if (r0[2 * ox + 1] > m) m = r0[2 * ox + 1], best = 1;
      if (r1[2 * ox] > m) m = r1[2 * ox], best = 2;
      if (r1[2 * ox + 1] > m) m = r1[2 * ox + 1], best = 3;
      o[ox] = m;
      a[ox] = best;
    }
  }
}

/** Plane p's max pooling: the 2x2 stride-2 path when the window is that one, else the general loop. */
template <typename T>
void max_pool_any_plane(const ConvGeometry& g, const T* x, T* out, int32_t* argmax, int64_t p) {
  if (g.fh == 2 && g.fw == 2 && g.stride == 2 && g.pad == 0) max_pool_2x2_plane(g, x, out, argmax, p);
  else max_pool_plane(g, x, out, argmax, p);
}

// Plane p of dx: zeroed, then each window's dout added at its argmax (dropped when that was padding).
template <typename T>
void max_pool_backward_plane(const ConvGeometry& g, const T* dout, const int32_t* argmax, T* dx, int64_t p) {
  T* plane = dx + p * g.h * g.w;
  std::fill(plane, plane + g.h * g.w, T(0));
  for (int64_t oy = 0; oy < g.out_h; ++oy) {
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      const int64_t o = (p * g.out_h + oy) * g.out_w + ox;
      const int64_t y = oy * g.stride + argmax[o] / g.fw - g.pad;
      const int64_t xx = ox * g.stride + argmax[o] % g.fw - g.pad;
      if (y >= 0 && y < g.h && xx >= 0 && xx < g.w) plane[y * g.w + xx] += dout[o];
    }
  }
}

// Plane p of the book's Relu then max Pooling in one pass: each window's max(0, maximum), padding counting as
// 0, and the index ky * FW + kx of its first maximum when that is positive, else -1 (ReLU stops its gradient).
template <typename T>
void relu_max_pool_plane(const ConvGeometry& g, const T* x, T* out, int32_t* argmax, int64_t p) {
  const T* plane = x + p * g.h * g.w;
  for (int64_t oy = 0; oy < g.out_h; ++oy) {
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      int32_t best = -1;
      T max = T(0);
      const int64_t y0 = oy * g.stride - g.pad, x0 = ox * g.stride - g.pad;
      for (int64_t ky = 0; ky < g.fh; ++ky) {
        const int64_t y = y0 + ky;
        if (y < 0 || y >= g.h) continue;
        for (int64_t kx = 0; kx < g.fw; ++kx) {
          const int64_t xx = x0 + kx;
          if (xx >= 0 && xx < g.w && plane[y * g.w + xx] > max) {  // strictly greater: the first maximum wins ties
            max = plane[y * g.w + xx];
            best = static_cast<int32_t>(ky * g.fw + kx);
          }
        }
      }
      const int64_t o = (p * g.out_h + oy) * g.out_w + ox;
      out[o] = max;
      argmax[o] = best;
    }
  }
}

// The same for the 2x2 stride-2 unpadded window, without bounds or loops per window.
template <typename T>
void relu_max_pool_2x2_plane(const ConvGeometry& g, const T* x, T* out, int32_t* argmax, int64_t p) {
  const T* plane = x + p * g.h * g.w;
  for (int64_t oy = 0; oy < g.out_h; ++oy) {
    const T* r0 = plane + 2 * oy * g.w;
    const T* r1 = r0 + g.w;
    T* o = out + (p * g.out_h + oy) * g.out_w;
    int32_t* a = argmax + (p * g.out_h + oy) * g.out_w;
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      T m = T(0);
      int32_t best = -1;
      if (r0[2 * ox] > m) m = r0[2 * ox], best = 0;
      if (r0[2 * ox + 1] > m) m = r0[2 * ox + 1], best = 1;
      if (r1[2 * ox] > m) m = r1[2 * ox], best = 2;
      if (r1[2 * ox + 1] > m) m = r1[2 * ox + 1], best = 3;
      o[ox] = m;
      a[ox] = best;
    }
  }
}

template <typename T>
void relu_max_pool_any_plane(const ConvGeometry& g, const T* x, T* out, int32_t* argmax, int64_t p) {
  if (g.fh == 2 && g.fw == 2 && g.stride == 2 && g.pad == 0) relu_max_pool_2x2_plane(g, x, out, argmax, p);
  else relu_max_pool_plane(g, x, out, argmax, p);
}

// Its backward for plane p of dx: zeroed, then each window's dout added at its argmax, unless that is -1. With
// the 2x2 stride-2 window every pixel is written once, the window's gradient or 0, and the rows and columns
// no window reads are zeroed.
template <typename T>
void relu_max_pool_backward_plane(const ConvGeometry& g, const T* dout, const int32_t* argmax, T* dx, int64_t p) {
  T* plane = dx + p * g.h * g.w;
  const T* d = dout + p * g.out_h * g.out_w;
  const int32_t* a = argmax + p * g.out_h * g.out_w;
  if (g.fh == 2 && g.fw == 2 && g.stride == 2 && g.pad == 0) {
    for (int64_t oy = 0; oy < g.out_h; ++oy) {
      T* r0 = plane + 2 * oy * g.w;
      T* r1 = r0 + g.w;
      for (int64_t ox = 0; ox < g.out_w; ++ox) {
        const T v = d[oy * g.out_w + ox];
        const int32_t best = a[oy * g.out_w + ox];
        r0[2 * ox] = best == 0 ? v : T(0);
        r0[2 * ox + 1] = best == 1 ? v : T(0);
        r1[2 * ox] = best == 2 ? v : T(0);
        r1[2 * ox + 1] = best == 3 ? v : T(0);
      }
      for (int64_t xx = 2 * g.out_w; xx < g.w; ++xx) r0[xx] = r1[xx] = T(0);
    }
    std::fill(plane + 2 * g.out_h * g.w, plane + g.h * g.w, T(0));
    return;
  }
  std::fill(plane, plane + g.h * g.w, T(0));
  for (int64_t oy = 0; oy < g.out_h; ++oy) {
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      const int32_t best = a[oy * g.out_w + ox];
      if (best < 0) continue;
      // A positive maximum is a pixel of the image, never padding.
      plane[(oy * g.stride + best / g.fw - g.pad) * g.w + ox * g.stride + best % g.fw - g.pad] += d[oy * g.out_w + ox];
    }
  }
}

// out (cols x rows) = in (rows x cols)^T, in 16 x 16 tiles so that both sides stay in cache lines already loaded.
template <typename T>
void transpose(const T* in, T* out, const int64_t rows, const int64_t cols) {
  constexpr int64_t kTile = 16;
  for (int64_t i0 = 0; i0 < rows; i0 += kTile) {
    const int64_t i1 = std::min(rows, i0 + kTile);
    for (int64_t j0 = 0; j0 < cols; j0 += kTile) {
      const int64_t j1 = std::min(cols, j0 + kTile);
      for (int64_t i = i0; i < i1; ++i)
        for (int64_t j = j0; j < j1; ++j) out[j * rows + i] = in[i * cols + j];
    }
  }
}

/** n rounded up to whole 64-byte vectors of T. */
template <typename T>
int64_t whole_vectors(int64_t n) {
  const int64_t lanes = 64 / static_cast<int64_t>(sizeof(T));
  return (n + lanes - 1) / lanes * lanes;
}

/** The direct convolution's geometry (conv_isa.inc) for `filters` filters over the window g, padded for T. */
template <typename T>
bpw_conv_args conv_args(const ConvGeometry& g, int64_t filters) {
  return bpw_conv_args{g.n, g.c, g.h, g.w, filters, g.fh, g.fw, g.stride, g.pad, g.out_h, g.out_w, whole_vectors<T>(filters), whole_vectors<T>(g.c * g.fh * g.fw)};
}

/**
 * Values of scratch one image's pass needs: the forward's and the filters' block of FNp-wide rows (and after it
 * the pooled passes' staging of a pooled row, OW / 2 x FNp values and as many int32), the input's one window row.
 */
inline int64_t conv_scratch_values(const bpw_conv_args& a, int pass) {
  if (pass == BPW_CONV_INPUT) return a.kp;
  return a.out_h * a.out_w * (a.fnp + 1) + (a.out_w + 1) * a.fnp;
}

/** The forward's filters: W (FN, K) as Wt (K, FNp), each tap's filters side by side, the padding zero. */
template <typename T>
void conv_weights_by_tap(const bpw_conv_args& a, const T* w, T* wt) {
  const int64_t k = a.c * a.fh * a.fw;
  std::fill(wt, wt + k * a.fnp, T(0));
  for (int64_t f = 0; f < a.fn; ++f)
    for (int64_t j = 0; j < k; ++j) wt[j * a.fnp + f] = w[f * k + j];
}

/** The input pass's filters: W (FN, K) with each filter's row padded to kp with zeros. */
template <typename T>
void conv_weights_padded(const bpw_conv_args& a, const T* w, T* wp) {
  const int64_t k = a.c * a.fh * a.fw;
  std::fill(wp, wp + a.fn * a.kp, T(0));
  for (int64_t f = 0; f < a.fn; ++f)
    for (int64_t j = 0; j < k; ++j) wp[f * a.kp + j] = w[f * k + j];
}

/** Values of the (K + 1) x FNp block the filters pass sums into (dWt, then db); the caller zeroes it. */
inline int64_t conv_filters_block(const bpw_conv_args& a) {
  return (a.c * a.fh * a.fw + 1) * a.fnp;
}

/** dW (FN, K) and db (FN) read out of the filters pass's block. */
template <typename T>
void conv_filters_unpack(const bpw_conv_args& a, const T* block, T* dw, T* db) {
  const int64_t k = a.c * a.fh * a.fw;
  for (int64_t f = 0; f < a.fn; ++f) {
    for (int64_t j = 0; j < k; ++j) dw[f * k + j] = block[j * a.fnp + f];
    db[f] = block[k * a.fnp + f];
  }
}

}  // namespace bpw
