// The convolution and pooling exports of chapter 7: im2col and its adjoint col2im, max pooling forward and
// backward, and the batched transpose between (N, H*W, C) rows and (N, C, H*W) images. The loops are those of
// the TypeScript reference (src-engine/backends/ts/conv.ts), which the backend contract tests them against,
// plus a bounds-free path for windows wholly inside the image; a call is split across the pool by image (each
// image's rows, planes or matrices are written by one task).
#include <algorithm>
#include <limits>
#include <string>

#include "exports.h"
#include "runtime.h"

namespace bpw {

namespace {

/** A window over an (N, C, H, W) batch, from the eight WindowArgs, checked; out_h, out_w floored like the book's //. */
struct Window {
  int64_t n, c, h, w, fh, fw, stride, pad, out_h, out_w;
  int64_t image_size() const { return n * c * h * w; }
  int64_t col_size() const { return n * out_h * out_w * c * fh * fw; }
  int64_t pooled_size() const { return n * c * out_h * out_w; }
  std::string image_shape() const { return std::to_string(n) + "x" + std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w); }
  std::string col_shape() const { return shape(n * out_h * out_w, c * fh * fw); }
  std::string pooled_shape() const { return std::to_string(n) + "x" + std::to_string(c) + "x" + std::to_string(out_h) + "x" + std::to_string(out_w); }
};

Window window_args(Args& args, std::size_t first) {
  Window g{};
  g.n = args.dim(first, "n");
  g.c = args.dim(first + 1, "channels");
  g.h = args.dim(first + 2, "height");
  g.w = args.dim(first + 3, "width");
  g.fh = args.dim(first + 4, "filterHeight");
  g.fw = args.dim(first + 5, "filterWidth");
  g.stride = args.dim(first + 6, "stride");
  g.pad = args.dim(first + 7, "pad");
  if (g.fh < 1 || g.fw < 1 || g.stride < 1) {
    args.range_error("the window " + shape(g.fh, g.fw) + " and the stride " + std::to_string(g.stride) + " must be at least 1");
  }
  if (g.fh > g.h + 2 * g.pad || g.fw > g.w + 2 * g.pad) {
    args.range_error("the " + shape(g.fh, g.fw) + " window does not fit a " + shape(g.h, g.w) + " image padded by " + std::to_string(g.pad));
  }
  g.out_h = (g.h + 2 * g.pad - g.fh) / g.stride + 1;
  g.out_w = (g.w + 2 * g.pad - g.fw) / g.stride + 1;
  return g;
}

/** Runs fn(task) for task in [0, tasks) on the pool when the call moves at least ~64k values, else inline. */
template <typename F>
void for_each_task(const Napi::CallbackInfo& info, int64_t tasks, int64_t values, F& fn) {
  ThreadPool& pool = Runtime::of(info.Env()).pool();
  const int threads = values >= 65536 ? pool.threads() : 1;
  pool.parallel_for(tasks, threads, [](void* ctx, int64_t task, int) { (*static_cast<F*>(ctx))(task); }, &fn);
}

// Image b's rows of col: row (b, oy, ox), column (ch, ky, kx) = x[b, ch, oy * stride + ky - pad, ox * stride + kx - pad], 0 in the padding.
template <typename T>
void im2col_image(const Window g, const T* x, T* col, int64_t b) {
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
void col2im_image(const Window g, const T* col, T* dx, int64_t b) {
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
void max_pool_plane(const Window g, const T* x, T* out, int32_t* argmax, int64_t p) {
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
void max_pool_backward_plane(const Window g, const T* dout, const int32_t* argmax, T* dx, int64_t p) {
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

}  // namespace

Napi::Value Im2col(const Napi::CallbackInfo& info) {
  Args args(info, "im2col", 10);
  const Floats x = args.floats(0, "x"), col = args.floats(1, "col");
  const Window g = window_args(args, 2);
  args.need(x, g.image_size(), "x " + g.image_shape());
  args.need(col, g.col_size(), "col " + g.col_shape());
  if (g.col_size() > 0) args.no_overlap(col.data, col.bytes(), x.data, x.bytes(), "col must not overlap x");
  with_dtype(x.f64, [&](auto zero) {
    using T = decltype(zero);
    auto task = [&](int64_t b) { im2col_image(g, x.as<T>(), col.as<T>(), b); };
    for_each_task(info, g.n, g.col_size(), task);
  });
  return info.Env().Undefined();
}

Napi::Value Col2im(const Napi::CallbackInfo& info) {
  Args args(info, "col2im", 10);
  const Floats col = args.floats(0, "col"), dx = args.floats(1, "dx");
  const Window g = window_args(args, 2);
  args.need(col, g.col_size(), "col " + g.col_shape());
  args.need(dx, g.image_size(), "dx " + g.image_shape());
  if (g.image_size() > 0) args.no_overlap(dx.data, dx.bytes(), col.data, col.bytes(), "dx must not overlap col");
  with_dtype(col.f64, [&](auto zero) {
    using T = decltype(zero);
    auto task = [&](int64_t b) { col2im_image(g, col.as<T>(), dx.as<T>(), b); };
    for_each_task(info, g.n, g.col_size(), task);
  });
  return info.Env().Undefined();
}

Napi::Value MaxPoolForward(const Napi::CallbackInfo& info) {
  Args args(info, "maxPoolForward", 11);
  const Floats x = args.floats(0, "x"), out = args.floats(1, "out");
  const Ints<int32_t> argmax = args.int32s(2, "argmax");
  const Window g = window_args(args, 3);
  args.need(x, g.image_size(), "x " + g.image_shape());
  args.need(out, g.pooled_size(), "out " + g.pooled_shape());
  args.need(argmax.length, g.pooled_size(), "argmax " + g.pooled_shape());
  if (g.pooled_size() > 0) args.no_overlap(out.data, out.bytes(), x.data, x.bytes(), "out must not overlap x");
  with_dtype(x.f64, [&](auto zero) {
    using T = decltype(zero);
    auto task = [&](int64_t p) { max_pool_plane(g, x.as<T>(), out.as<T>(), argmax.data, p); };
    for_each_task(info, g.n * g.c, g.image_size(), task);
  });
  return info.Env().Undefined();
}

Napi::Value MaxPoolBackward(const Napi::CallbackInfo& info) {
  Args args(info, "maxPoolBackward", 11);
  const Floats dout = args.floats(0, "dout");
  const Ints<int32_t> argmax = args.int32s(1, "argmax");
  const Floats dx = args.floats(2, "dx");
  const Window g = window_args(args, 3);
  args.need(dout, g.pooled_size(), "dout " + g.pooled_shape());
  args.need(argmax.length, g.pooled_size(), "argmax " + g.pooled_shape());
  args.need(dx, g.image_size(), "dx " + g.image_shape());
  if (g.image_size() > 0) args.no_overlap(dx.data, dx.bytes(), dout.data, dout.bytes(), "dx must not overlap dout");
  // Every index is checked before any plane is written, so a bad one leaves dx untouched.
  for (int64_t o = 0; o < g.pooled_size(); ++o) {
    if (argmax.data[o] < 0 || argmax.data[o] >= g.fh * g.fw) {
      args.range_error("argmax[" + std::to_string(o) + "] = " + std::to_string(argmax.data[o]) + " is outside the " + shape(g.fh, g.fw) + " window");
    }
  }
  with_dtype(dout.f64, [&](auto zero) {
    using T = decltype(zero);
    auto task = [&](int64_t p) { max_pool_backward_plane(g, dout.as<T>(), argmax.data, dx.as<T>(), p); };
    for_each_task(info, g.n * g.c, g.image_size(), task);
  });
  return info.Env().Undefined();
}

Napi::Value TransposeBatch(const Napi::CallbackInfo& info) {
  Args args(info, "transposeBatch", 5);
  const Floats x = args.floats(0, "x"), out = args.floats(1, "out");
  const int64_t batch = args.dim(2, "batch"), rows = args.dim(3, "rows"), cols = args.dim(4, "cols");
  const int64_t size = batch * rows * cols;
  args.need(x, size, "x " + std::to_string(batch) + "x" + shape(rows, cols));
  args.need(out, size, "out " + std::to_string(batch) + "x" + shape(cols, rows));
  if (size > 0) args.no_overlap(out.data, out.bytes(), x.data, x.bytes(), "out must not overlap x");
  with_dtype(x.f64, [&](auto zero) {
    using T = decltype(zero);
    auto task = [&](int64_t b) { transpose(x.as<T>() + b * rows * cols, out.as<T>() + b * rows * cols, rows, cols); };
    for_each_task(info, batch, size, task);
  });
  return info.Env().Undefined();
}

}  // namespace bpw
