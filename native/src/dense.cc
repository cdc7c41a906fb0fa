// The dense exports: each checks its arguments with Args, then runs one kernel of elementwise.cc or the GEMM
// of the CPU's instruction set. Names and argument orders are those of the engine's Backend interface
// (src-engine/backend.ts), whose comments say what each computes and which outputs may alias inputs.
#include "exports.h"

#include <algorithm>
#include <string>

#include "args.h"
#include "elementwise.h"
#include "runtime.h"

namespace bpw {

namespace {

// Elementwise kernels over more values than the caches hold (a conv layer's activations: 1.7M for
// SimpleConvNet's batch of 100) are bound by memory, which each core reaches on its own: split them across
// the pool in runs of 64k values; anything smaller stays on the caller.
constexpr int64_t kElementwiseSplit = int64_t(1) << 18;
constexpr int64_t kElementwiseRun = int64_t(1) << 16;

template <typename F>
void split_elementwise(const Napi::CallbackInfo& info, int64_t n, F fn) {
  if (n < kElementwiseSplit) {
    fn(int64_t(0), n);
    return;
  }
  ThreadPool& pool = Runtime::of(info.Env()).pool();
  const int64_t runs = (n + kElementwiseRun - 1) / kElementwiseRun;
  auto task = [&](int64_t r) { fn(r * kElementwiseRun, std::min(n, (r + 1) * kElementwiseRun)); };
  pool.parallel_for(runs, pool.threads(), [](void* ctx, int64_t r, int) { (*static_cast<decltype(task)*>(ctx))(r); }, &task);
}

}  // namespace

Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args args(info, "gemm", 10);
  const bool ta = args.boolean(0, "transA"), tb = args.boolean(1, "transB");
  const int64_t m = args.dim(2, "m"), n = args.dim(3, "n"), k = args.dim(4, "k");
  const double alpha = args.number(5, "alpha");
  const Floats a = args.floats(6, "A"), b = args.floats(7, "B");
  const double beta = args.number(8, "beta");
  const Floats c = args.floats(9, "C");
  args.need(a, m * k, "A " + (ta ? shape(k, m) + " (A^T)" : shape(m, k)));
  args.need(b, k * n, "B " + (tb ? shape(n, k) + " (B^T)" : shape(k, n)));
  args.need(c, m * n, "C " + shape(m, n));
  if (m * n > 0) {
    if (m * k > 0) args.no_overlap(c.data, c.bytes(), a.data, a.bytes(), "C must not overlap A or B");
    if (k * n > 0) args.no_overlap(c.data, c.bytes(), b.data, b.bytes(), "C must not overlap A or B");
  }
  with_dtype(c.f64, [&](auto zero) {
    using T = decltype(zero);
    scale_matrix(c.as<T>(), m * n, static_cast<T>(beta));
  });
  if (m == 0 || n == 0 || k == 0 || alpha == 0) return info.Env().Undefined();
  const bpw_gemm_args g{m, n, k, ta ? 1 : k, ta ? m : 1, tb ? 1 : n, tb ? k : 1, n, 1};
  const bpw_runtime r = Runtime::of(info.Env()).kernel_runtime();
  if (c.f64) kernels().dgemm(&g, a.as<double>(), b.as<double>(), c.as<double>(), alpha, &r);
  else kernels().sgemm(&g, a.as<float>(), b.as<float>(), c.as<float>(), static_cast<float>(alpha), &r);
  return info.Env().Undefined();
}

Napi::Value AddBias(const Napi::CallbackInfo& info) {
  Args args(info, "addBias", 5);
  const Floats x = args.floats(0, "x");
  const int64_t rows = args.dim(1, "rows"), cols = args.dim(2, "cols");
  const Floats bias = args.floats(3, "bias");
  const bool relu = args.boolean(4, "relu");
  args.need(x, rows * cols, "x " + shape(rows, cols));
  args.need(bias, cols, "bias " + std::to_string(cols));
  with_dtype(x.f64, [&](auto zero) {
    using T = decltype(zero);
    add_bias(x.as<T>(), rows, cols, bias.as<T>(), relu);
  });
  return info.Env().Undefined();
}

Napi::Value ColSums(const Napi::CallbackInfo& info) {
  Args args(info, "colSums", 4);
  const Floats x = args.floats(0, "x");
  const int64_t rows = args.dim(1, "rows"), cols = args.dim(2, "cols");
  const Floats out = args.floats(3, "out");
  args.need(x, rows * cols, "x " + shape(rows, cols));
  args.need(out, cols, "out " + std::to_string(cols));
  if (rows > 0 && cols > 0) args.no_overlap(x.data, x.bytes(), out.data, out.bytes(), "out must not overlap x");
  with_dtype(x.f64, [&](auto zero) {
    using T = decltype(zero);
    col_sums(x.as<T>(), rows, cols, out.as<T>());
  });
  return info.Env().Undefined();
}

Napi::Value ReluForward(const Napi::CallbackInfo& info) {
  Args args(info, "reluForward", 4);
  const Floats x = args.floats(0, "x"), y = args.floats(1, "y");
  const Ints<uint8_t> mask = args.uint8s(2, "mask");
  const int64_t n = args.dim(3, "n");
  args.need(x, n, "x");
  args.need(y, n, "y");
  args.need(mask.length, n, "mask");
  with_dtype(x.f64, [&](auto zero) {
    using T = decltype(zero);
    split_elementwise(info, n, [&](int64_t i0, int64_t i1) { relu_forward(x.as<T>() + i0, y.as<T>() + i0, mask.data + i0, i1 - i0); });
  });
  return info.Env().Undefined();
}

Napi::Value ReluBackward(const Napi::CallbackInfo& info) {
  Args args(info, "reluBackward", 4);
  const Floats dout = args.floats(0, "dout");
  const Ints<uint8_t> mask = args.uint8s(1, "mask");
  const Floats dx = args.floats(2, "dx");
  const int64_t n = args.dim(3, "n");
  args.need(dout, n, "dout");
  args.need(dx, n, "dx");
  args.need(mask.length, n, "mask");
  with_dtype(dout.f64, [&](auto zero) {
    using T = decltype(zero);
    split_elementwise(info, n, [&](int64_t i0, int64_t i1) { relu_backward(dout.as<T>() + i0, mask.data + i0, dx.as<T>() + i0, i1 - i0); });
  });
  return info.Env().Undefined();
}

Napi::Value SigmoidForward(const Napi::CallbackInfo& info) {
  Args args(info, "sigmoidForward", 3);
  const Floats x = args.floats(0, "x"), y = args.floats(1, "y");
  const int64_t n = args.dim(2, "n");
  args.need(x, n, "x");
  args.need(y, n, "y");
  with_dtype(x.f64, [&](auto zero) {
    using T = decltype(zero);
    sigmoid_forward(x.as<T>(), y.as<T>(), n);
  });
  return info.Env().Undefined();
}

Napi::Value SigmoidBackward(const Napi::CallbackInfo& info) {
  Args args(info, "sigmoidBackward", 4);
  const Floats dout = args.floats(0, "dout"), y = args.floats(1, "y"), dx = args.floats(2, "dx");
  const int64_t n = args.dim(3, "n");
  args.need(dout, n, "dout");
  args.need(y, n, "y");
  args.need(dx, n, "dx");
  with_dtype(dout.f64, [&](auto zero) {
    using T = decltype(zero);
    sigmoid_backward(dout.as<T>(), y.as<T>(), dx.as<T>(), n);
  });
  return info.Env().Undefined();
}

Napi::Value SoftmaxRows(const Napi::CallbackInfo& info) {
  Args args(info, "softmaxRows", 4);
  const Floats x = args.floats(0, "x"), y = args.floats(1, "y");
  const int64_t rows = args.dim(2, "rows"), cols = args.dim(3, "cols");
  args.need(x, rows * cols, "x " + shape(rows, cols));
  args.need(y, rows * cols, "y " + shape(rows, cols));
  with_dtype(x.f64, [&](auto zero) {
    using T = decltype(zero);
    softmax_rows(x.as<T>(), y.as<T>(), rows, cols);
  });
  return info.Env().Undefined();
}

namespace {

// Labels of a rows x cols batch: one per row, each in [0, cols).
const int32_t* labels_arg(Args& args, std::size_t index, int64_t rows, int64_t cols) {
  const Ints<int32_t> labels = args.int32s(index, "labels");
  args.need(labels.length, rows, "labels");
  for (int64_t r = 0; r < rows; ++r) {
    if (labels.data[r] < 0 || labels.data[r] >= cols) {
      args.range_error("label " + std::to_string(labels.data[r]) + " at row " + std::to_string(r) + " is outside [0, " + std::to_string(cols) + ")");
    }
  }
  return labels.data;
}

}  // namespace

Napi::Value SoftmaxCrossEntropy(const Napi::CallbackInfo& info) {
  Args args(info, "softmaxCrossEntropy", 6);
  const Floats x = args.floats(0, "x"), y = args.floats(2, "y");
  const int64_t rows = args.dim(3, "rows"), cols = args.dim(4, "cols");
  const double delta = args.number(5, "delta");
  args.need(x, rows * cols, "x " + shape(rows, cols));
  args.need(y, rows * cols, "y " + shape(rows, cols));
  const int32_t* labels = labels_arg(args, 1, rows, cols);
  double loss = 0;
  with_dtype(x.f64, [&](auto zero) {
    using T = decltype(zero);
    loss = softmax_cross_entropy(x.as<T>(), labels, y.as<T>(), rows, cols, delta);
  });
  return Napi::Number::New(info.Env(), loss);
}

Napi::Value SoftmaxCrossEntropyBackward(const Napi::CallbackInfo& info) {
  Args args(info, "softmaxCrossEntropyBackward", 5);
  const Floats y = args.floats(0, "y"), dx = args.floats(2, "dx");
  const int64_t rows = args.dim(3, "rows"), cols = args.dim(4, "cols");
  args.need(y, rows * cols, "y " + shape(rows, cols));
  args.need(dx, rows * cols, "dx " + shape(rows, cols));
  const int32_t* labels = labels_arg(args, 1, rows, cols);
  with_dtype(y.f64, [&](auto zero) {
    using T = decltype(zero);
    softmax_cross_entropy_backward(y.as<T>(), labels, dx.as<T>(), rows, cols);
  });
  return info.Env().Undefined();
}

Napi::Value Axpby(const Napi::CallbackInfo& info) {
  Args args(info, "axpby", 5);
  const double alpha = args.number(0, "alpha");
  const Floats x = args.floats(1, "x");
  const double beta = args.number(2, "beta");
  const Floats y = args.floats(3, "y");
  const int64_t n = args.dim(4, "n");
  args.need(x, n, "x");
  args.need(y, n, "y");
  with_dtype(x.f64, [&](auto zero) {
    using T = decltype(zero);
    axpby(static_cast<T>(alpha), x.as<T>(), static_cast<T>(beta), y.as<T>(), n);
  });
  return info.Env().Undefined();
}

Napi::Value OptimizerStep(const Napi::CallbackInfo& info) {
  Args args(info, "optimizerStep", 10);
  const double rule = args.number(0, "rule");
  if (rule != 1 && rule != 2 && rule != 3 && rule != 4 && rule != 5) args.range_error("rule must be 1..5, got " + std::to_string(rule));
  const Floats w = args.floats(1, "w"), g = args.floats(2, "g"), s1 = args.floats(3, "s1"), s2 = args.floats(4, "s2");
  const int64_t n = args.dim(5, "n");
  const double lr = args.number(6, "lr"), p1 = args.number(7, "p1"), p2 = args.number(8, "p2"), eps = args.number(9, "eps");
  args.need(w, n, "w");
  args.need(g, n, "g");
  args.need(s1, n, "s1");
  if (rule == 5) args.need(s2, n, "s2");
  with_dtype(w.f64, [&](auto zero) {
    using T = decltype(zero);
    // Each value's update is its own: split like the elementwise kernels (SimpleConvNet's W2 has 432k values).
    split_elementwise(info, n, [&](int64_t i0, int64_t i1) {
      T* second = rule == 5 ? s2.as<T>() + i0 : s2.as<T>();
      optimizer_step(static_cast<int>(rule), w.as<T>() + i0, g.as<T>() + i0, s1.as<T>() + i0, second, i1 - i0, static_cast<T>(lr), static_cast<T>(p1),
                     static_cast<T>(p2), static_cast<T>(eps));
    });
  });
  return info.Env().Undefined();
}

Napi::Value BatchNormForward(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormForward", 14);
  const Floats x = args.floats(0, "x");
  const int64_t rows = args.dim(1, "rows"), cols = args.dim(2, "cols");
  const Floats gamma = args.floats(3, "gamma"), beta = args.floats(4, "beta"), mean = args.floats(5, "runningMean"), var = args.floats(6, "runningVar");
  const bool train = args.boolean(7, "train");
  const double momentum = args.number(8, "momentum"), eps = args.number(9, "eps");
  const Floats xc = args.floats(10, "xc"), xn = args.floats(11, "xn"), sd = args.floats(12, "std"), out = args.floats(13, "out");
  const std::string s = shape(rows, cols);
  args.need(x, rows * cols, "x " + s);
  args.need(out, rows * cols, "out " + s);
  for (const auto& [a, name] : {std::pair{gamma, "gamma"}, std::pair{beta, "beta"}, std::pair{mean, "runningMean"}, std::pair{var, "runningVar"}}) args.need(a, cols, name);
  if (train) {
    args.need(xc, rows * cols, "xc " + s);
    args.need(xn, rows * cols, "xn " + s);
    args.need(sd, cols, "std");
  }
  with_dtype(x.f64, [&](auto zero) {
    using T = decltype(zero);
    batch_norm_forward(x.as<T>(), rows, cols, gamma.as<T>(), beta.as<T>(), mean.as<T>(), var.as<T>(), train, static_cast<T>(momentum), static_cast<T>(eps),
                       xc.as<T>(), xn.as<T>(), sd.as<T>(), out.as<T>());
  });
  return info.Env().Undefined();
}

Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormBackward", 10);
  const Floats dout = args.floats(0, "dout");
  const int64_t rows = args.dim(1, "rows"), cols = args.dim(2, "cols");
  const Floats gamma = args.floats(3, "gamma"), xc = args.floats(4, "xc"), xn = args.floats(5, "xn"), sd = args.floats(6, "std"), dx = args.floats(7, "dx"),
               dgamma = args.floats(8, "dgamma"), dbeta = args.floats(9, "dbeta");
  const std::string s = shape(rows, cols);
  for (const auto& [a, name] : {std::pair{dout, "dout"}, std::pair{xc, "xc"}, std::pair{xn, "xn"}, std::pair{dx, "dx"}}) args.need(a, rows * cols, std::string(name) + " " + s);
  for (const auto& [a, name] : {std::pair{gamma, "gamma"}, std::pair{sd, "std"}, std::pair{dgamma, "dgamma"}, std::pair{dbeta, "dbeta"}}) args.need(a, cols, name);
  if (rows == 0) args.range_error("needs at least one row");
  with_dtype(dout.f64, [&](auto zero) {
    using T = decltype(zero);
    batch_norm_backward(dout.as<T>(), rows, cols, gamma.as<T>(), xc.as<T>(), xn.as<T>(), sd.as<T>(), dx.as<T>(), dgamma.as<T>(), dbeta.as<T>());
  });
  return info.Env().Undefined();
}

Napi::Value SumSquares(const Napi::CallbackInfo& info) {
  Args args(info, "sumSquares", 2);
  const Floats x = args.floats(0, "x");
  const int64_t n = args.dim(1, "n");
  args.need(x, n, "x");
  double s = 0;
  with_dtype(x.f64, [&](auto zero) {
    using T = decltype(zero);
    s = sum_squares(x.as<T>(), n);
  });
  return Napi::Number::New(info.Env(), s);
}

Napi::Value Mul(const Napi::CallbackInfo& info) {
  Args args(info, "mul", 4);
  const Floats a = args.floats(0, "a"), b = args.floats(1, "b"), out = args.floats(2, "out");
  const int64_t n = args.dim(3, "n");
  args.need(a, n, "a");
  args.need(b, n, "b");
  args.need(out, n, "out");
  with_dtype(a.f64, [&](auto zero) {
    using T = decltype(zero);
    mul(a.as<T>(), b.as<T>(), out.as<T>(), n);
  });
  return info.Env().Undefined();
}

Napi::Value ArgmaxRows(const Napi::CallbackInfo& info) {
  Args args(info, "argmaxRows", 4);
  const Floats x = args.floats(0, "x");
  const int64_t rows = args.dim(1, "rows"), cols = args.dim(2, "cols");
  const Ints<int32_t> out = args.int32s(3, "out");
  args.need(x, rows * cols, "x " + shape(rows, cols));
  args.need(out.length, rows, "out " + std::to_string(rows));
  if (rows > 0 && cols == 0) args.range_error("rows of 0 columns have no maximum");
  with_dtype(x.f64, [&](auto zero) {
    using T = decltype(zero);
    argmax_rows(x.as<T>(), rows, cols, out.data);
  });
  return info.Env().Undefined();
}

}  // namespace bpw
