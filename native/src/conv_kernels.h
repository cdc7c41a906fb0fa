// The convolution and pooling kernels of chapter 7 (im2col and its adjoint col2im, max pooling forward and
// backward, the batched transpose), one image, plane or matrix per call: the loops of the TypeScript reference
// (src-engine/backends/ts/conv.ts) plus a bounds-free path for windows wholly inside the image. Shared by the
// addon's exports (conv.cc, which checks the arguments and splits a call by image across the pool) and the
// WebAssembly build (native/wasm/abi.cc).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

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

}  // namespace bpw
