// The convolution and pooling exports of chapter 7: im2col and its adjoint col2im, max pooling forward and
// backward, and the batched transpose between (N, H*W, C) rows and (N, C, H*W) images. The kernels are in
// conv_kernels.h (shared with the WebAssembly build); here each call's arguments are checked and the call is
// split across the pool by image (each image's rows, planes or matrices are written by one task).
#include <string>

#include "conv_kernels.h"
#include "exports.h"
#include "runtime.h"

namespace bpw {

namespace {

/** The checked window of a call, with its shapes in words for messages. */
struct Window : ConvGeometry {
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
