// The convolution and pooling exports of chapter 7: im2col and its adjoint col2im, max pooling forward and
// backward, and the batched transpose between (N, H*W, C) rows and (N, C, H*W) images. The loops are those of
// the TypeScript reference (src-engine/backends/ts/conv.ts), which the backend contract tests them against,
// plus a bounds-free path for windows wholly inside the image; a call is split across the pool by image (each
// image's rows, planes or matrices are written by one task).
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

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

/** Like for_each_task, fn(task, worker): each worker has a scratch buffer of its own in the pool. */
template <typename F>
void for_each_task_on_worker(const Napi::CallbackInfo& info, int64_t tasks, int64_t values, F& fn) {
  ThreadPool& pool = Runtime::of(info.Env()).pool();
  const int threads = values >= 65536 ? pool.threads() : 1;
  pool.parallel_for(tasks, threads, [](void* ctx, int64_t task, int worker) { (*static_cast<F*>(ctx))(task, worker); }, &fn);
}

/** n rounded up to whole 64-byte vectors of T. */
template <typename T>
int64_t whole_vectors(int64_t n) {
  const int64_t lanes = 64 / static_cast<int64_t>(sizeof(T));
  return (n + lanes - 1) / lanes * lanes;
}

/** The direct convolution's geometry for FN filters over the window g, padded for T. */
template <typename T>
bpw_conv_args conv_args(const Window& g, int64_t filters) {
  return bpw_conv_args{g.n, g.c, g.h, g.w, filters, g.fh, g.fw, g.stride, g.pad, g.out_h, g.out_w, whole_vectors<T>(filters), whole_vectors<T>(g.c * g.fh * g.fw)};
}

template <typename T>
void conv_pass(const bpw_conv_args* a, int pass, int64_t b, const T* in, const T* w, const T* bias, T* out, T* scratch) {
  if constexpr (sizeof(T) == 8) kernels().dconv(a, pass, b, in, w, bias, out, scratch);
  else kernels().sconv(a, pass, b, in, w, bias, out, scratch);
}

// The 2x2 stride-2 unpadded pooling of plane p (the book's and PyTorch's usual one), branch-free: the first
// maximum of each window wins ties, as in max_pool_plane.
template <typename T>
void max_pool_2x2_plane(const Window g, const T* x, T* out, int32_t* argmax, int64_t p) {
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
    const bool two_by_two = g.fh == 2 && g.fw == 2 && g.stride == 2 && g.pad == 0;
    auto task = [&](int64_t p) {
      if (two_by_two) max_pool_2x2_plane(g, x.as<T>(), out.as<T>(), argmax.data, p);
      else max_pool_plane(g, x.as<T>(), out.as<T>(), argmax.data, p);
    };
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

namespace {

/** The arguments every convolution export shares after its arrays: filters, then the eight WindowArgs. */
Window conv_window(Args& args, std::size_t first, int64_t* filters) {
  *filters = args.dim(first, "filters");
  return window_args(args, first + 1);
}

std::string filter_shape(int64_t filters, const Window& g) {
  return std::to_string(filters) + "x" + std::to_string(g.c) + "x" + shape(g.fh, g.fw);
}

std::string conv_out_shape(int64_t filters, const Window& g) {
  return std::to_string(g.n) + "x" + std::to_string(filters) + "x" + shape(g.out_h, g.out_w);
}

}  // namespace

Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  Args args(info, "convForward", 13);
  const Floats x = args.floats(0, "x"), w = args.floats(1, "w"), bias = args.floats(2, "bias"), out = args.floats(3, "out");
  int64_t fn = 0;
  const Window g = conv_window(args, 4, &fn);
  const int64_t k = g.c * g.fh * g.fw, planes = fn * g.out_h * g.out_w;
  args.need(x, g.image_size(), "x " + g.image_shape());
  args.need(w, fn * k, "w " + filter_shape(fn, g));
  args.need(bias, fn, "bias " + std::to_string(fn));
  args.need(out, g.n * planes, "out " + conv_out_shape(fn, g));
  if (g.n * planes > 0) {
    args.no_overlap(out.data, out.bytes(), x.data, x.bytes(), "out must not overlap x, w or bias");
    args.no_overlap(out.data, out.bytes(), w.data, w.bytes(), "out must not overlap x, w or bias");
    args.no_overlap(out.data, out.bytes(), bias.data, bias.bytes(), "out must not overlap x, w or bias");
  }
  if (g.n * planes == 0) return info.Env().Undefined();
  with_dtype(x.f64, [&](auto zero) {
    using T = decltype(zero);
    const bpw_conv_args a = conv_args<T>(g, fn);
    // W (FN, K) as Wt (K, FNp): each tap's filters side by side.
    std::vector<T> wt(static_cast<std::size_t>(k * a.fnp), T(0));
    for (int64_t f = 0; f < fn; ++f)
      for (int64_t j = 0; j < k; ++j) wt[j * a.fnp + f] = w.as<T>()[f * k + j];
    ThreadPool& pool = Runtime::of(info.Env()).pool();
    auto task = [&](int64_t b, int worker) {
      T* acc = static_cast<T*>(pool.scratch(worker, sizeof(T) * g.out_h * g.out_w * (a.fnp + 1)));
      conv_pass<T>(&a, BPW_CONV_FORWARD, b, x.as<T>(), wt.data(), bias.as<T>(), out.as<T>(), acc);
    };
    for_each_task_on_worker(info, g.n, g.n * planes, task);
  });
  return info.Env().Undefined();
}

Napi::Value ConvBackwardFilters(const Napi::CallbackInfo& info) {
  Args args(info, "convBackwardFilters", 13);
  const Floats x = args.floats(0, "x"), dout = args.floats(1, "dout"), dw = args.floats(2, "dw"), db = args.floats(3, "db");
  int64_t fn = 0;
  const Window g = conv_window(args, 4, &fn);
  const int64_t k = g.c * g.fh * g.fw, planes = fn * g.out_h * g.out_w;
  args.need(x, g.image_size(), "x " + g.image_shape());
  args.need(dout, g.n * planes, "dout " + conv_out_shape(fn, g));
  args.need(dw, fn * k, "dw " + filter_shape(fn, g));
  args.need(db, fn, "db " + std::to_string(fn));
  if (fn * k > 0) {
    args.no_overlap(dw.data, dw.bytes(), x.data, x.bytes(), "dw must not overlap x or dout");
    args.no_overlap(dw.data, dw.bytes(), dout.data, dout.bytes(), "dw must not overlap x or dout");
    args.no_overlap(dw.data, dw.bytes(), db.data, db.bytes(), "db must not overlap dw, x or dout");
  }
  if (fn > 0) {
    args.no_overlap(db.data, db.bytes(), x.data, x.bytes(), "db must not overlap dw, x or dout");
    args.no_overlap(db.data, db.bytes(), dout.data, dout.bytes(), "db must not overlap dw, x or dout");
  }
  with_dtype(x.f64, [&](auto zero) {
    using T = decltype(zero);
    const bpw_conv_args a = conv_args<T>(g, fn);
    ThreadPool& pool = Runtime::of(info.Env()).pool();
    const int workers = g.n * planes >= 65536 ? pool.threads() : 1;
    // Each worker adds its images into a (K + 1) x FNp block of its own (dWt, then db); the blocks are summed at the end.
    const int64_t block = (k + 1) * a.fnp;
    std::vector<T> partial(static_cast<std::size_t>(block * workers), T(0));
    auto task = [&](int64_t b, int worker) {
      T* rows = static_cast<T*>(pool.scratch(worker, sizeof(T) * g.out_h * g.out_w * a.fnp));
      conv_pass<T>(&a, BPW_CONV_FILTERS, b, x.as<T>(), dout.as<T>(), nullptr, partial.data() + worker * block, rows);
    };
    for_each_task_on_worker(info, g.n, g.n * planes, task);
    for (int i = 1; i < workers; ++i)
      for (int64_t j = 0; j < block; ++j) partial[j] += partial[i * block + j];
    for (int64_t f = 0; f < fn; ++f) {
      for (int64_t j = 0; j < k; ++j) dw.as<T>()[f * k + j] = partial[j * a.fnp + f];
      db.as<T>()[f] = partial[k * a.fnp + f];
    }
  });
  return info.Env().Undefined();
}

Napi::Value ConvBackwardInput(const Napi::CallbackInfo& info) {
  Args args(info, "convBackwardInput", 12);
  const Floats dout = args.floats(0, "dout"), w = args.floats(1, "w"), dx = args.floats(2, "dx");
  int64_t fn = 0;
  const Window g = conv_window(args, 3, &fn);
  const int64_t k = g.c * g.fh * g.fw, planes = fn * g.out_h * g.out_w;
  args.need(dout, g.n * planes, "dout " + conv_out_shape(fn, g));
  args.need(w, fn * k, "w " + filter_shape(fn, g));
  args.need(dx, g.image_size(), "dx " + g.image_shape());
  if (g.image_size() > 0) {
    args.no_overlap(dx.data, dx.bytes(), dout.data, dout.bytes(), "dx must not overlap dout or w");
    args.no_overlap(dx.data, dx.bytes(), w.data, w.bytes(), "dx must not overlap dout or w");
  }
  with_dtype(dx.f64, [&](auto zero) {
    using T = decltype(zero);
    const bpw_conv_args a = conv_args<T>(g, fn);
    // W (FN, K) with each filter's row padded to kp.
    std::vector<T> wp(static_cast<std::size_t>(fn * a.kp), T(0));
    for (int64_t f = 0; f < fn; ++f)
      for (int64_t j = 0; j < k; ++j) wp[f * a.kp + j] = w.as<T>()[f * k + j];
    ThreadPool& pool = Runtime::of(info.Env()).pool();
    auto task = [&](int64_t b, int worker) {
      T* dcol = static_cast<T*>(pool.scratch(worker, sizeof(T) * a.kp));
      conv_pass<T>(&a, BPW_CONV_INPUT, b, dout.as<T>(), wp.data(), nullptr, dx.as<T>(), dcol);
    };
    for_each_task_on_worker(info, g.n, g.image_size() + g.n * planes, task);
  });
  return info.Env().Undefined();
}

}  // namespace bpw
