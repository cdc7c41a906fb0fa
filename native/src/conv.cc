// The convolution and pooling exports of chapter 7: im2col and its adjoint col2im, max pooling forward and
// backward, and the batched transpose between (N, H*W, C) rows and (N, C, H*W) images. The kernels are in
// conv_kernels.h (shared with the WebAssembly build); here each call's arguments are checked and the call is
// split across the pool by image (each image's rows, planes or matrices are written by one task). The direct
// convolution's exports lay out the operands (conv_kernels.h) and run conv_isa.inc's kernel of the selected
// instruction set on each image.
#include <string>
#include <vector>

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

/** Like for_each_task, fn(task, worker): each worker has a scratch buffer of its own in the pool. */
template <typename F>
void for_each_task_on_worker(const Napi::CallbackInfo& info, int64_t tasks, int64_t values, F& fn) {
  ThreadPool& pool = Runtime::of(info.Env()).pool();
  const int threads = values >= 65536 ? pool.threads() : 1;
  pool.parallel_for(tasks, threads, [](void* ctx, int64_t task, int worker) { (*static_cast<F*>(ctx))(task, worker); }, &fn);
}

template <typename T>
void conv_pass(const bpw_conv_args* a, int pass, int64_t b, const T* in, const T* w, const T* bias, T* out, T* scratch, int32_t* argmax = nullptr) {
  if constexpr (sizeof(T) == 8) kernels().dconv(a, pass, b, in, w, bias, out, scratch, argmax);
  else kernels().sconv(a, pass, b, in, w, bias, out, scratch, argmax);
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

namespace {

/** The first index o with values[o] outside [lowest, highest], or -1: a vectorised min/max pass first (a step's argmax has 432k values). */
int64_t first_outside(const int32_t* values, int64_t n, int32_t lowest, int32_t highest) {
  int32_t lo = lowest, hi = highest;
  for (int64_t o = 0; o < n; ++o) {
    lo = values[o] < lo ? values[o] : lo;
    hi = values[o] > hi ? values[o] : hi;
  }
  if (lo >= lowest && hi <= highest) return -1;
  for (int64_t o = 0; o < n; ++o)
    if (values[o] < lowest || values[o] > highest) return o;
  return -1;
}

// A pooling forward export: checks, then kernel(g, x, out, argmax, plane) on each plane across the pool.
template <typename Kernel>
Napi::Value pool_forward(const Napi::CallbackInfo& info, const char* name, Kernel kernel) {
  Args args(info, name, 11);
  const Floats x = args.floats(0, "x"), out = args.floats(1, "out");
  const Ints<int32_t> argmax = args.int32s(2, "argmax");
  const Window g = window_args(args, 3);
  args.need(x, g.image_size(), "x " + g.image_shape());
  args.need(out, g.pooled_size(), "out " + g.pooled_shape());
  args.need(argmax.length, g.pooled_size(), "argmax " + g.pooled_shape());
  if (g.pooled_size() > 0) args.no_overlap(out.data, out.bytes(), x.data, x.bytes(), "out must not overlap x");
  with_dtype(x.f64, [&](auto zero) {
    using T = decltype(zero);
    auto task = [&](int64_t p) { kernel(g, x.as<T>(), out.as<T>(), argmax.data, p); };
    for_each_task(info, g.n * g.c, g.image_size(), task);
  });
  return info.Env().Undefined();
}

// A pooling backward export: every argmax index is checked to be in the window (or -1 when `none` allows it)
// before any plane is written, so a bad one leaves dx untouched; then kernel(g, dout, argmax, dx, plane).
template <typename Kernel>
Napi::Value pool_backward(const Napi::CallbackInfo& info, const char* name, bool none, Kernel kernel) {
  Args args(info, name, 11);
  const Floats dout = args.floats(0, "dout");
  const Ints<int32_t> argmax = args.int32s(1, "argmax");
  const Floats dx = args.floats(2, "dx");
  const Window g = window_args(args, 3);
  args.need(dout, g.pooled_size(), "dout " + g.pooled_shape());
  args.need(argmax.length, g.pooled_size(), "argmax " + g.pooled_shape());
  args.need(dx, g.image_size(), "dx " + g.image_shape());
  if (g.image_size() > 0) args.no_overlap(dx.data, dx.bytes(), dout.data, dout.bytes(), "dx must not overlap dout");
  const int64_t bad = first_outside(argmax.data, g.pooled_size(), none ? -1 : 0, static_cast<int32_t>(g.fh * g.fw - 1));
  if (bad >= 0) {
    args.range_error("argmax[" + std::to_string(bad) + "] = " + std::to_string(argmax.data[bad]) + " is outside the " + shape(g.fh, g.fw) + " window" + (none ? " (or -1)" : ""));
  }
  with_dtype(dout.f64, [&](auto zero) {
    using T = decltype(zero);
    auto task = [&](int64_t p) { kernel(g, dout.as<T>(), argmax.data, dx.as<T>(), p); };
    for_each_task(info, g.n * g.c, g.image_size(), task);
  });
  return info.Env().Undefined();
}

}  // namespace

Napi::Value MaxPoolForward(const Napi::CallbackInfo& info) {
  return pool_forward(info, "maxPoolForward", [](const ConvGeometry& g, const auto* x, auto* out, int32_t* argmax, int64_t p) { max_pool_any_plane(g, x, out, argmax, p); });
}

Napi::Value MaxPoolBackward(const Napi::CallbackInfo& info) {
  return pool_backward(info, "maxPoolBackward", false,
                       [](const ConvGeometry& g, const auto* dout, const int32_t* argmax, auto* dx, int64_t p) { max_pool_backward_plane(g, dout, argmax, dx, p); });
}

Napi::Value ReluMaxPoolForward(const Napi::CallbackInfo& info) {
  return pool_forward(info, "reluMaxPoolForward", [](const ConvGeometry& g, const auto* x, auto* out, int32_t* argmax, int64_t p) { relu_max_pool_any_plane(g, x, out, argmax, p); });
}

Napi::Value ReluMaxPoolBackward(const Napi::CallbackInfo& info) {
  return pool_backward(info, "reluMaxPoolBackward", true,
                       [](const ConvGeometry& g, const auto* dout, const int32_t* argmax, auto* dx, int64_t p) { relu_max_pool_backward_plane(g, dout, argmax, dx, p); });
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

/**
 * The filters pass (plain or pooled) over the batch: each worker adds its images into a (K + 1) x FNp block of
 * its own (dWt, then db); the blocks are summed at the end and read out as dW (FN, K) and db.
 */
void conv_filters(const Napi::CallbackInfo& info, const Window& g, int64_t fn, int pass, const Floats& x, const Floats& dout, int32_t* argmax,
                  const Floats& dw, const Floats& db) {
  with_dtype(x.f64, [&](auto zero) {
    using T = decltype(zero);
    const bpw_conv_args a = conv_args<T>(g, fn);
    ThreadPool& pool = Runtime::of(info.Env()).pool();
    const int workers = g.n * fn * g.out_h * g.out_w >= 65536 ? pool.threads() : 1;
    const int64_t block = conv_filters_block(a);
    std::vector<T> partial(static_cast<std::size_t>(block * workers), T(0));
    auto task = [&](int64_t b, int worker) {
      T* rows = static_cast<T*>(pool.scratch(worker, sizeof(T) * conv_scratch_values(a, pass)));
      conv_pass<T>(&a, pass, b, x.as<T>(), dout.as<T>(), nullptr, partial.data() + worker * block, rows, argmax);
    };
    for_each_task_on_worker(info, g.n, g.n * fn * g.out_h * g.out_w, task);
    for (int i = 1; i < workers; ++i)
      for (int64_t j = 0; j < block; ++j) partial[j] += partial[i * block + j];
    conv_filters_unpack(a, partial.data(), dw.as<T>(), db.as<T>());
  });
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
    std::vector<T> wt(static_cast<std::size_t>(k * a.fnp));
    conv_weights_by_tap(a, w.as<T>(), wt.data());
    ThreadPool& pool = Runtime::of(info.Env()).pool();
    auto task = [&](int64_t b, int worker) {
      T* acc = static_cast<T*>(pool.scratch(worker, sizeof(T) * conv_scratch_values(a, BPW_CONV_FORWARD)));
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
  conv_filters(info, g, fn, BPW_CONV_FILTERS, x, dout, nullptr, dw, db);
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
    std::vector<T> wp(static_cast<std::size_t>(fn * a.kp));
    conv_weights_padded(a, w.as<T>(), wp.data());
    ThreadPool& pool = Runtime::of(info.Env()).pool();
    auto task = [&](int64_t b, int worker) {
      T* dcol = static_cast<T*>(pool.scratch(worker, sizeof(T) * conv_scratch_values(a, BPW_CONV_INPUT)));
      conv_pass<T>(&a, BPW_CONV_INPUT, b, dout.as<T>(), wp.data(), nullptr, dx.as<T>(), dcol);
    };
    for_each_task_on_worker(info, g.n, g.image_size() + g.n * planes, task);
  });
  return info.Env().Undefined();
}

namespace {

/** The pooled passes' window: the convolution's, whose output the 2x2 stride-2 pooling must fit. */
Window pooled_conv_window(Args& args, std::size_t first, int64_t* filters) {
  const Window g = conv_window(args, first, filters);
  if (g.out_h < 2 || g.out_w < 2) args.range_error("the convolution's " + shape(g.out_h, g.out_w) + " output is smaller than the 2x2 pooling window");
  return g;
}

std::string pooled_shape(int64_t filters, const Window& g) {
  return std::to_string(g.n) + "x" + std::to_string(filters) + "x" + shape(g.out_h / 2, g.out_w / 2);
}

}  // namespace

Napi::Value ConvReluPoolForward(const Napi::CallbackInfo& info) {
  Args args(info, "convReluPoolForward", 14);
  const Floats x = args.floats(0, "x"), w = args.floats(1, "w"), bias = args.floats(2, "bias"), out = args.floats(3, "out");
  const Ints<int32_t> argmax = args.int32s(4, "argmax");
  int64_t fn = 0;
  const Window g = pooled_conv_window(args, 5, &fn);
  const int64_t k = g.c * g.fh * g.fw, pooled = g.n * fn * (g.out_h / 2) * (g.out_w / 2);
  args.need(x, g.image_size(), "x " + g.image_shape());
  args.need(w, fn * k, "w " + filter_shape(fn, g));
  args.need(bias, fn, "bias " + std::to_string(fn));
  args.need(out, pooled, "out " + pooled_shape(fn, g));
  args.need(argmax.length, pooled, "argmax " + pooled_shape(fn, g));
  if (pooled == 0) return info.Env().Undefined();
  args.no_overlap(out.data, out.bytes(), x.data, x.bytes(), "out must not overlap x, w or bias");
  args.no_overlap(out.data, out.bytes(), w.data, w.bytes(), "out must not overlap x, w or bias");
  args.no_overlap(out.data, out.bytes(), bias.data, bias.bytes(), "out must not overlap x, w or bias");
  with_dtype(x.f64, [&](auto zero) {
    using T = decltype(zero);
    const bpw_conv_args a = conv_args<T>(g, fn);
    std::vector<T> wt(static_cast<std::size_t>(k * a.fnp));
    conv_weights_by_tap(a, w.as<T>(), wt.data());
    ThreadPool& pool = Runtime::of(info.Env()).pool();
    auto task = [&](int64_t b, int worker) {
      T* acc = static_cast<T*>(pool.scratch(worker, sizeof(T) * conv_scratch_values(a, BPW_CONV_FORWARD_POOLED)));
      conv_pass<T>(&a, BPW_CONV_FORWARD_POOLED, b, x.as<T>(), wt.data(), bias.as<T>(), out.as<T>(), acc, argmax.data);
    };
    for_each_task_on_worker(info, g.n, g.n * fn * g.out_h * g.out_w, task);
  });
  return info.Env().Undefined();
}

Napi::Value ConvReluPoolBackwardFilters(const Napi::CallbackInfo& info) {
  Args args(info, "convReluPoolBackwardFilters", 14);
  const Floats x = args.floats(0, "x"), dout = args.floats(1, "dout");
  const Ints<int32_t> argmax = args.int32s(2, "argmax");
  const Floats dw = args.floats(3, "dw"), db = args.floats(4, "db");
  int64_t fn = 0;
  const Window g = pooled_conv_window(args, 5, &fn);
  const int64_t k = g.c * g.fh * g.fw, pooled = g.n * fn * (g.out_h / 2) * (g.out_w / 2);
  args.need(x, g.image_size(), "x " + g.image_shape());
  args.need(dout, pooled, "dout " + pooled_shape(fn, g));
  args.need(argmax.length, pooled, "argmax " + pooled_shape(fn, g));
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
  // Every index is checked before anything is written: the kernel places dout by it.
  const int64_t bad = first_outside(argmax.data, pooled, -1, 3);
  if (bad >= 0) args.range_error("argmax[" + std::to_string(bad) + "] = " + std::to_string(argmax.data[bad]) + " is outside the 2x2 window (or -1)");
  conv_filters(info, g, fn, BPW_CONV_FILTERS_POOLED, x, dout, argmax.data, dw, db);
  return info.Env().Undefined();
}

}  // namespace bpw
