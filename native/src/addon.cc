// Node-API surface of the native backend. Each export has the name and signature of a method of the
// engine's Backend interface (src-main/engine/backend.ts). Every argument is checked here, before any
// kernel runs: a wrong type, a negative or fractional size, a buffer shorter than its shape or an aliased
// output throws a TypeError or RangeError naming the shapes, so no call from JavaScript can crash the process.

#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "elementwise.h"
#include "gemm_isa.h"
#include "thread_pool.h"

namespace {

struct Runtime {
  std::unique_ptr<ThreadPool> pool;
  bpw_sgemm_fn sgemm = bpw_sgemm_base;
  bpw_dgemm_fn dgemm = bpw_dgemm_base;
  bpw_sspmm_fn sspmm = bpw_sspmm_base;
  bpw_dspmm_fn dspmm = bpw_dspmm_base;

  const char* isa = "base";
  int hardware_threads = 1;
  BackgroundThread background;
  // Scratch of the background thread: GEMM packing buffers (a pool of one thread runs everything inline) and
  // the rows a dense job gathers.
  std::unique_ptr<ThreadPool> background_scratch;
  std::vector<double> background_rows;
  // The JS arrays each queued job reads or writes, held until JS learns the job is done (and only released
  // by the environment that queued it).
  struct Held {
    unsigned long ticket;
    napi_env env;
    std::vector<napi_ref> arrays;
    // Set by the job when its column check failed (it then wrote nothing).
    std::shared_ptr<std::string> error;
  };
  std::vector<Held> held;
};

// Never destroyed: at exit the JS arrays and environments are gone before static destructors would run, so
// neither a running background job nor a held reference may be touched then.
Runtime& runtime() {
  static Runtime* rt = new Runtime;
  return *rt;
}

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void select_isa(Runtime& rt) {
  const char* forced = std::getenv("BACKPROP_ISA");
  const std::string want = forced ? forced : "";
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  if (avx512 && (want.empty() || want == "avx512")) {
    rt.sgemm = bpw_sgemm_avx512;
    rt.dgemm = bpw_dgemm_avx512;
    rt.sspmm = bpw_sspmm_avx512;
    rt.dspmm = bpw_dspmm_avx512;

    rt.isa = "avx512";
    return;
  }
  if (avx2 && (want.empty() || want == "avx512" || want == "avx2")) {
    rt.sgemm = bpw_sgemm_avx2;
    rt.dgemm = bpw_dgemm_avx2;
    rt.sspmm = bpw_sspmm_avx2;
    rt.dspmm = bpw_dspmm_avx2;

    rt.isa = "avx2";
    return;
  }
  rt.isa = "sse2";
#else
  rt.isa = "generic";
#endif
}

void init_runtime() {
  Runtime& rt = runtime();
  if (rt.pool) return;
  select_isa(rt);
  rt.hardware_threads = hardware_threads();
  int threads = rt.hardware_threads;
  if (const char* env = std::getenv("BACKPROP_THREADS")) {
    const int n = std::atoi(env);
    if (n >= 1 && n <= 256) threads = n;
  }
  rt.pool = std::make_unique<ThreadPool>(threads);
}

void pool_parallel_for(void* pool, long tasks, int threads, bpw_task_fn fn, void* ctx) {
  static_cast<ThreadPool*>(pool)->parallel_for(tasks, threads, fn, ctx);
}

void* pool_scratch(void* pool, int worker, unsigned long bytes) { return static_cast<ThreadPool*>(pool)->scratch(worker, bytes); }

// Below ~30 MFLOP (every GEMM of a training step) a second thread costs more in cache traffic than it saves.
double parallel_min_flops() {
  static const double min_flops = [] {
    const char* env = std::getenv("BACKPROP_PARALLEL_MIN_FLOPS");
    return env ? std::atof(env) : 3.0e7;
  }();
  return min_flops;
}

bpw_runtime kernel_runtime() {
  init_runtime();
  Runtime& rt = runtime();
  return bpw_runtime{rt.pool.get(), &pool_parallel_for, rt.pool->threads(), parallel_min_flops(), &pool_scratch, rt.pool.get()};
}

// --- argument checking ---------------------------------------------------------------------------------

struct Floats {
  bool f64;
  void* data;
  std::size_t length;
};

[[noreturn]] void type_error(Napi::Env env, const std::string& message) { throw Napi::TypeError::New(env, message); }
[[noreturn]] void range_error(Napi::Env env, const std::string& message) { throw Napi::RangeError::New(env, message); }

Floats floats(const Napi::CallbackInfo& info, std::size_t index, const char* fn, const char* name) {
  Napi::Env env = info.Env();
  napi_value value = info[index];
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  if (!is_typed) type_error(env, std::string(fn) + ": " + name + " must be a Float32Array or Float64Array");
  napi_typedarray_type type;
  std::size_t length;
  void* data;
  napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr);
  if (type != napi_float32_array && type != napi_float64_array) {
    type_error(env, std::string(fn) + ": " + name + " must be a Float32Array or Float64Array");
  }
  return Floats{type == napi_float64_array, data, length};
}

template <typename T>
T* typed(const Napi::CallbackInfo& info, std::size_t index, napi_typedarray_type expected, const char* fn, const char* name,
         const char* what, std::size_t* length) {
  Napi::Env env = info.Env();
  bool is_typed = false;
  napi_is_typedarray(env, info[index], &is_typed);
  napi_typedarray_type type = napi_int8_array;
  void* data = nullptr;
  if (is_typed) napi_get_typedarray_info(env, info[index], &type, length, &data, nullptr, nullptr);
  if (!is_typed || type != expected) type_error(env, std::string(fn) + ": " + name + " must be " + what);
  return static_cast<T*>(data);
}

long dim(const Napi::CallbackInfo& info, std::size_t index, const char* fn, const char* name) {
  Napi::Env env = info.Env();
  if (!info[index].IsNumber()) type_error(env, std::string(fn) + ": " + name + " must be a number");
  const double v = info[index].As<Napi::Number>().DoubleValue();
  if (!(v >= 0) || v != static_cast<double>(static_cast<long>(v)) || v > 2147483647.0) {
    range_error(env, std::string(fn) + ": " + name + " must be a non-negative integer, got " + std::to_string(v));
  }
  return static_cast<long>(v);
}

double number(const Napi::CallbackInfo& info, std::size_t index, const char* fn, const char* name) {
  if (!info[index].IsNumber()) type_error(info.Env(), std::string(fn) + ": " + name + " must be a number");
  return info[index].As<Napi::Number>().DoubleValue();
}

void need(Napi::Env env, const char* fn, const Floats& a, const char* what, long needed) {
  if (a.length < static_cast<std::size_t>(needed)) {
    range_error(env, std::string(fn) + ": " + what + " needs " + std::to_string(needed) + " values, got " + std::to_string(a.length));
  }
}

void same_dtype(Napi::Env env, const char* fn, std::initializer_list<Floats> arrays) {
  const bool f64 = arrays.begin()->f64;
  for (const Floats& a : arrays) {
    if (a.f64 != f64) type_error(env, std::string(fn) + ": all arrays must share one dtype (float32 or float64)");
  }
}

bool overlaps_bytes(const void* x, std::size_t sx, const void* y, std::size_t sy) {
  const auto* px = static_cast<const char*>(x);
  const auto* py = static_cast<const char*>(y);
  return sx > 0 && sy > 0 && px < py + sy && py < px + sx;
}

bool overlaps(const Floats& x, const Floats& y) { return overlaps_bytes(x.data, x.length * (x.f64 ? 8 : 4), y.data, y.length * (y.f64 ? 8 : 4)); }

void check_args(const Napi::CallbackInfo& info, std::size_t count, const char* fn) {
  if (info.Length() < count) type_error(info.Env(), std::string(fn) + ": expected " + std::to_string(count) + " arguments, got " + std::to_string(info.Length()));
}

std::string shape(long r, long c) { return std::to_string(r) + "x" + std::to_string(c); }

// --- exports -------------------------------------------------------------------------------------------

Napi::Value Gemm(const Napi::CallbackInfo& info) {
  const char* fn = "gemm";
  Napi::Env env = info.Env();
  check_args(info, 10, fn);
  if (!info[0].IsBoolean() || !info[1].IsBoolean()) type_error(env, "gemm: transA and transB must be booleans");
  const bool ta = info[0].As<Napi::Boolean>().Value();
  const bool tb = info[1].As<Napi::Boolean>().Value();
  const long m = dim(info, 2, fn, "m"), n = dim(info, 3, fn, "n"), k = dim(info, 4, fn, "k");
  const double alpha = number(info, 5, fn, "alpha");
  const Floats a = floats(info, 6, fn, "A"), b = floats(info, 7, fn, "B");
  const double beta = number(info, 8, fn, "beta");
  const Floats c = floats(info, 9, fn, "C");
  same_dtype(env, fn, {a, b, c});
  need(env, fn, a, (std::string("A ") + (ta ? shape(k, m) + " (A^T)" : shape(m, k))).c_str(), m * k);
  need(env, fn, b, (std::string("B ") + (tb ? shape(n, k) + " (B^T)" : shape(k, n))).c_str(), k * n);
  need(env, fn, c, ("C " + shape(m, n)).c_str(), m * n);
  if (m * n > 0 && ((m * k > 0 && overlaps(c, a)) || (k * n > 0 && overlaps(c, b)))) range_error(env, "gemm: C must not overlap A or B");
  init_runtime();
  Runtime& rt = runtime();
  if (c.f64) bpw::scale_matrix(static_cast<double*>(c.data), m * n, beta);
  else bpw::scale_matrix(static_cast<float*>(c.data), m * n, static_cast<float>(beta));
  if (m == 0 || n == 0 || k == 0 || alpha == 0) return env.Undefined();
  bpw_gemm_args g;
  g.m = m;
  g.n = n;
  g.k = k;
  g.a_rs = ta ? 1 : k;
  g.a_cs = ta ? m : 1;
  g.b_rs = tb ? 1 : n;
  g.b_cs = tb ? k : 1;
  g.c_rs = n;
  g.c_cs = 1;
  bpw_runtime r = kernel_runtime();
  if (c.f64) rt.dgemm(&g, static_cast<const double*>(a.data), static_cast<const double*>(b.data), static_cast<double*>(c.data), alpha, &r);
  else rt.sgemm(&g, static_cast<const float*>(a.data), static_cast<const float*>(b.data), static_cast<float*>(c.data), static_cast<float>(alpha), &r);
  return env.Undefined();
}

#define BPW_DISPATCH(F, CALL_F32, CALL_F64) \
  do {                                     \
    if ((F).f64) {                         \
      using T = double;                    \
      CALL_F64;                            \
    } else {                               \
      using T = float;                     \
      CALL_F32;                            \
    }                                      \
  } while (0)
#define BPW_BOTH(F, CALL) BPW_DISPATCH(F, CALL, CALL)
#define P(x) static_cast<T*>((x).data)

Napi::Value AddBias(const Napi::CallbackInfo& info) {
  const char* fn = "addBias";
  Napi::Env env = info.Env();
  check_args(info, 5, fn);
  const Floats x = floats(info, 0, fn, "x");
  const long rows = dim(info, 1, fn, "rows"), cols = dim(info, 2, fn, "cols");
  const Floats bias = floats(info, 3, fn, "bias");
  if (!info[4].IsBoolean()) type_error(env, "addBias: relu must be a boolean");
  const bool relu = info[4].As<Napi::Boolean>().Value();
  same_dtype(env, fn, {x, bias});
  need(env, fn, x, ("x " + shape(rows, cols)).c_str(), rows * cols);
  need(env, fn, bias, ("bias " + std::to_string(cols)).c_str(), cols);
  BPW_BOTH(x, bpw::add_bias(P(x), rows, cols, P(bias), relu));
  return env.Undefined();
}

Napi::Value ColSums(const Napi::CallbackInfo& info) {
  const char* fn = "colSums";
  Napi::Env env = info.Env();
  check_args(info, 4, fn);
  const Floats x = floats(info, 0, fn, "x");
  const long rows = dim(info, 1, fn, "rows"), cols = dim(info, 2, fn, "cols");
  const Floats out = floats(info, 3, fn, "out");
  same_dtype(env, fn, {x, out});
  need(env, fn, x, ("x " + shape(rows, cols)).c_str(), rows * cols);
  need(env, fn, out, ("out " + std::to_string(cols)).c_str(), cols);
  if (cols > 0 && rows > 0 && overlaps(x, out)) range_error(env, "colSums: out must not overlap x");
  BPW_BOTH(x, bpw::col_sums(P(x), rows, cols, P(out)));
  return env.Undefined();
}

Napi::Value ReluForward(const Napi::CallbackInfo& info) {
  const char* fn = "reluForward";
  Napi::Env env = info.Env();
  check_args(info, 4, fn);
  const Floats x = floats(info, 0, fn, "x"), y = floats(info, 1, fn, "y");
  std::size_t mask_length = 0;
  uint8_t* mask = typed<uint8_t>(info, 2, napi_uint8_array, fn, "mask", "a Uint8Array", &mask_length);
  const long n = dim(info, 3, fn, "n");
  same_dtype(env, fn, {x, y});
  need(env, fn, x, "x", n);
  need(env, fn, y, "y", n);
  if (mask_length < static_cast<std::size_t>(n)) range_error(env, "reluForward: mask needs " + std::to_string(n) + " values, got " + std::to_string(mask_length));
  BPW_BOTH(x, bpw::relu_forward(P(x), P(y), mask, n));
  return env.Undefined();
}

Napi::Value ReluBackward(const Napi::CallbackInfo& info) {
  const char* fn = "reluBackward";
  Napi::Env env = info.Env();
  check_args(info, 4, fn);
  const Floats dout = floats(info, 0, fn, "dout");
  std::size_t mask_length = 0;
  const uint8_t* mask = typed<uint8_t>(info, 1, napi_uint8_array, fn, "mask", "a Uint8Array", &mask_length);
  const Floats dx = floats(info, 2, fn, "dx");
  const long n = dim(info, 3, fn, "n");
  same_dtype(env, fn, {dout, dx});
  need(env, fn, dout, "dout", n);
  need(env, fn, dx, "dx", n);
  if (mask_length < static_cast<std::size_t>(n)) range_error(env, "reluBackward: mask needs " + std::to_string(n) + " values, got " + std::to_string(mask_length));
  BPW_BOTH(dout, bpw::relu_backward(P(dout), mask, P(dx), n));
  return env.Undefined();
}

Napi::Value SigmoidForward(const Napi::CallbackInfo& info) {
  const char* fn = "sigmoidForward";
  Napi::Env env = info.Env();
  check_args(info, 3, fn);
  const Floats x = floats(info, 0, fn, "x"), y = floats(info, 1, fn, "y");
  const long n = dim(info, 2, fn, "n");
  same_dtype(env, fn, {x, y});
  need(env, fn, x, "x", n);
  need(env, fn, y, "y", n);
  BPW_BOTH(x, bpw::sigmoid_forward(P(x), P(y), n));
  return env.Undefined();
}

Napi::Value SigmoidBackward(const Napi::CallbackInfo& info) {
  const char* fn = "sigmoidBackward";
  Napi::Env env = info.Env();
  check_args(info, 4, fn);
  const Floats dout = floats(info, 0, fn, "dout"), y = floats(info, 1, fn, "y"), dx = floats(info, 2, fn, "dx");
  const long n = dim(info, 3, fn, "n");
  same_dtype(env, fn, {dout, y, dx});
  need(env, fn, dout, "dout", n);
  need(env, fn, y, "y", n);
  need(env, fn, dx, "dx", n);
  BPW_BOTH(dout, bpw::sigmoid_backward(P(dout), P(y), P(dx), n));
  return env.Undefined();
}

Napi::Value SoftmaxRows(const Napi::CallbackInfo& info) {
  const char* fn = "softmaxRows";
  Napi::Env env = info.Env();
  check_args(info, 4, fn);
  const Floats x = floats(info, 0, fn, "x"), y = floats(info, 1, fn, "y");
  const long rows = dim(info, 2, fn, "rows"), cols = dim(info, 3, fn, "cols");
  same_dtype(env, fn, {x, y});
  need(env, fn, x, ("x " + shape(rows, cols)).c_str(), rows * cols);
  need(env, fn, y, ("y " + shape(rows, cols)).c_str(), rows * cols);
  BPW_BOTH(x, bpw::softmax_rows(P(x), P(y), rows, cols));
  return env.Undefined();
}

const int32_t* labels_arg(const Napi::CallbackInfo& info, std::size_t index, const char* fn, long rows, long cols) {
  std::size_t length = 0;
  const int32_t* labels = typed<int32_t>(info, index, napi_int32_array, fn, "labels", "an Int32Array", &length);
  if (length < static_cast<std::size_t>(rows)) range_error(info.Env(), std::string(fn) + ": labels needs " + std::to_string(rows) + " values, got " + std::to_string(length));
  for (long r = 0; r < rows; ++r) {
    if (labels[r] < 0 || labels[r] >= cols) {
      range_error(info.Env(), std::string(fn) + ": label " + std::to_string(labels[r]) + " at row " + std::to_string(r) + " is outside [0, " + std::to_string(cols) + ")");
    }
  }
  return labels;
}

Napi::Value SoftmaxCrossEntropy(const Napi::CallbackInfo& info) {
  const char* fn = "softmaxCrossEntropy";
  Napi::Env env = info.Env();
  check_args(info, 6, fn);
  const Floats x = floats(info, 0, fn, "x");
  const Floats y = floats(info, 2, fn, "y");
  const long rows = dim(info, 3, fn, "rows"), cols = dim(info, 4, fn, "cols");
  const double delta = number(info, 5, fn, "delta");
  same_dtype(env, fn, {x, y});
  need(env, fn, x, ("x " + shape(rows, cols)).c_str(), rows * cols);
  need(env, fn, y, ("y " + shape(rows, cols)).c_str(), rows * cols);
  const int32_t* labels = labels_arg(info, 1, fn, rows, cols);
  double loss = 0;
  BPW_BOTH(x, loss = bpw::softmax_cross_entropy(P(x), labels, P(y), rows, cols, delta));
  return Napi::Number::New(env, loss);
}

Napi::Value SoftmaxCrossEntropyBackward(const Napi::CallbackInfo& info) {
  const char* fn = "softmaxCrossEntropyBackward";
  Napi::Env env = info.Env();
  check_args(info, 5, fn);
  const Floats y = floats(info, 0, fn, "y"), dx = floats(info, 2, fn, "dx");
  const long rows = dim(info, 3, fn, "rows"), cols = dim(info, 4, fn, "cols");
  same_dtype(env, fn, {y, dx});
  need(env, fn, y, ("y " + shape(rows, cols)).c_str(), rows * cols);
  need(env, fn, dx, ("dx " + shape(rows, cols)).c_str(), rows * cols);
  const int32_t* labels = labels_arg(info, 1, fn, rows, cols);
  BPW_BOTH(y, bpw::softmax_cross_entropy_backward(P(y), labels, P(dx), rows, cols));
  return env.Undefined();
}

Napi::Value Axpby(const Napi::CallbackInfo& info) {
  const char* fn = "axpby";
  Napi::Env env = info.Env();
  check_args(info, 5, fn);
  const double alpha = number(info, 0, fn, "alpha");
  const Floats x = floats(info, 1, fn, "x");
  const double beta = number(info, 2, fn, "beta");
  const Floats y = floats(info, 3, fn, "y");
  const long n = dim(info, 4, fn, "n");
  same_dtype(env, fn, {x, y});
  need(env, fn, x, "x", n);
  need(env, fn, y, "y", n);
  BPW_BOTH(x, bpw::axpby(static_cast<T>(alpha), P(x), static_cast<T>(beta), P(y), n));
  return env.Undefined();
}

Napi::Value OptimizerStep(const Napi::CallbackInfo& info) {
  const char* fn = "optimizerStep";
  Napi::Env env = info.Env();
  check_args(info, 10, fn);
  const double rule = number(info, 0, fn, "rule");
  if (rule != 1 && rule != 2 && rule != 3 && rule != 4 && rule != 5) range_error(env, std::string(fn) + ": rule must be 1..5, got " + std::to_string(rule));
  const Floats w = floats(info, 1, fn, "w"), g = floats(info, 2, fn, "g"), s1 = floats(info, 3, fn, "s1"), s2 = floats(info, 4, fn, "s2");
  const long n = dim(info, 5, fn, "n");
  const double lr = number(info, 6, fn, "lr"), p1 = number(info, 7, fn, "p1"), p2 = number(info, 8, fn, "p2"), eps = number(info, 9, fn, "eps");
  same_dtype(env, fn, {w, g, s1, s2});
  need(env, fn, w, "w", n);
  need(env, fn, g, "g", n);
  need(env, fn, s1, "s1", n);
  if (rule == 5) need(env, fn, s2, "s2", n);
  BPW_BOTH(w, bpw::optimizer_step(static_cast<int>(rule), P(w), P(g), P(s1), P(s2), n, static_cast<T>(lr), static_cast<T>(p1), static_cast<T>(p2), static_cast<T>(eps)));
  return env.Undefined();
}

Napi::Value BatchNormForward(const Napi::CallbackInfo& info) {
  const char* fn = "batchNormForward";
  Napi::Env env = info.Env();
  check_args(info, 14, fn);
  const Floats x = floats(info, 0, fn, "x");
  const long rows = dim(info, 1, fn, "rows"), cols = dim(info, 2, fn, "cols");
  const Floats gamma = floats(info, 3, fn, "gamma"), beta = floats(info, 4, fn, "beta"), mean = floats(info, 5, fn, "runningMean"),
               var = floats(info, 6, fn, "runningVar");
  if (!info[7].IsBoolean()) type_error(env, std::string(fn) + ": train must be a boolean");
  const bool train = info[7].As<Napi::Boolean>().Value();
  const double momentum = number(info, 8, fn, "momentum"), eps = number(info, 9, fn, "eps");
  const Floats xc = floats(info, 10, fn, "xc"), xn = floats(info, 11, fn, "xn"), sd = floats(info, 12, fn, "std"), out = floats(info, 13, fn, "out");
  same_dtype(env, fn, {x, gamma, beta, mean, var, xc, xn, sd, out});
  const std::string s = shape(rows, cols);
  need(env, fn, x, ("x " + s).c_str(), rows * cols);
  need(env, fn, out, ("out " + s).c_str(), rows * cols);
  for (const auto& [arr, name] : {std::pair{gamma, "gamma"}, std::pair{beta, "beta"}, std::pair{mean, "runningMean"}, std::pair{var, "runningVar"}}) need(env, fn, arr, name, cols);
  if (train) {
    need(env, fn, xc, ("xc " + s).c_str(), rows * cols);
    need(env, fn, xn, ("xn " + s).c_str(), rows * cols);
    need(env, fn, sd, "std", cols);
  }
  BPW_BOTH(x, bpw::batch_norm_forward(P(x), rows, cols, P(gamma), P(beta), P(mean), P(var), train, static_cast<T>(momentum), static_cast<T>(eps), P(xc), P(xn), P(sd), P(out)));
  return env.Undefined();
}

Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  const char* fn = "batchNormBackward";
  Napi::Env env = info.Env();
  check_args(info, 10, fn);
  const Floats dout = floats(info, 0, fn, "dout");
  const long rows = dim(info, 1, fn, "rows"), cols = dim(info, 2, fn, "cols");
  const Floats gamma = floats(info, 3, fn, "gamma"), xc = floats(info, 4, fn, "xc"), xn = floats(info, 5, fn, "xn"), sd = floats(info, 6, fn, "std"),
               dx = floats(info, 7, fn, "dx"), dgamma = floats(info, 8, fn, "dgamma"), dbeta = floats(info, 9, fn, "dbeta");
  same_dtype(env, fn, {dout, gamma, xc, xn, sd, dx, dgamma, dbeta});
  const std::string s = shape(rows, cols);
  for (const auto& [arr, name] : {std::pair{dout, "dout"}, std::pair{xc, "xc"}, std::pair{xn, "xn"}, std::pair{dx, "dx"}}) need(env, fn, arr, (std::string(name) + " " + s).c_str(), rows * cols);
  for (const auto& [arr, name] : {std::pair{gamma, "gamma"}, std::pair{sd, "std"}, std::pair{dgamma, "dgamma"}, std::pair{dbeta, "dbeta"}}) need(env, fn, arr, name, cols);
  if (rows == 0) range_error(env, std::string(fn) + ": needs at least one row");
  BPW_BOTH(dout, bpw::batch_norm_backward(P(dout), rows, cols, P(gamma), P(xc), P(xn), P(sd), P(dx), P(dgamma), P(dbeta)));
  return env.Undefined();
}

Napi::Value SumSquares(const Napi::CallbackInfo& info) {
  const char* fn = "sumSquares";
  check_args(info, 2, fn);
  const Floats x = floats(info, 0, fn, "x");
  const long n = dim(info, 1, fn, "n");
  need(info.Env(), fn, x, "x", n);
  double s = 0;
  BPW_BOTH(x, s = bpw::sum_squares(P(x), n));
  return Napi::Number::New(info.Env(), s);
}

Napi::Value Mul(const Napi::CallbackInfo& info) {
  const char* fn = "mul";
  Napi::Env env = info.Env();
  check_args(info, 4, fn);
  const Floats a = floats(info, 0, fn, "a"), b = floats(info, 1, fn, "b"), out = floats(info, 2, fn, "out");
  const long n = dim(info, 3, fn, "n");
  same_dtype(env, fn, {a, b, out});
  need(env, fn, a, "a", n);
  need(env, fn, b, "b", n);
  need(env, fn, out, "out", n);
  BPW_BOTH(a, bpw::mul(P(a), P(b), P(out), n));
  return env.Undefined();
}

Napi::Value ArgmaxRows(const Napi::CallbackInfo& info) {
  const char* fn = "argmaxRows";
  Napi::Env env = info.Env();
  check_args(info, 4, fn);
  const Floats x = floats(info, 0, fn, "x");
  const long rows = dim(info, 1, fn, "rows"), cols = dim(info, 2, fn, "cols");
  std::size_t out_length = 0;
  int32_t* out = typed<int32_t>(info, 3, napi_int32_array, fn, "out", "an Int32Array", &out_length);
  need(env, fn, x, ("x " + shape(rows, cols)).c_str(), rows * cols);
  if (out_length < static_cast<std::size_t>(rows)) range_error(env, "argmaxRows: out " + std::to_string(rows) + " needs " + std::to_string(rows) + " values, got " + std::to_string(out_length));
  if (rows > 0 && cols == 0) range_error(env, "argmaxRows: rows of 0 columns have no maximum");
  BPW_BOTH(x, bpw::argmax_rows(P(x), rows, cols, out));
  return env.Undefined();
}

template <typename T>
struct GatherTask {
  const uint8_t* src;
  long row_length;
  const int32_t* indices;
  long rows;
  T scale;
  T* out;
  long chunk;
  static void run(void* ctx, long task, int) {
    const GatherTask& k = *static_cast<const GatherTask*>(ctx);
    const long begin = task * k.chunk;
    const long count = std::min(k.chunk, k.rows - begin);
    bpw::gather_rows(k.src, k.row_length, k.indices + begin, count, k.scale, k.out + begin * k.row_length);
  }
};

// Evaluation gathers tens of thousands of rows: they are split across the pool; a minibatch stays inline.
template <typename T>
void gather_parallel(const uint8_t* src, long row_length, const int32_t* indices, long rows, T scale, T* out) {
  init_runtime();
  ThreadPool& pool = *runtime().pool;
  GatherTask<T> task{src, row_length, indices, rows, scale, out, 512};
  pool.parallel_for((rows + task.chunk - 1) / task.chunk, pool.threads(), &GatherTask<T>::run, &task);
}

// The rows a gather reads: (src, rowLength, indices, scale) as the first four arguments, every index naming a
// whole row of src (rowLength bytes each).
struct GatherCall {
  const uint8_t* src;
  std::size_t src_length;
  long row_length;
  const int32_t* indices;
  long rows;
  double scale;
};

GatherCall gather_call(const Napi::CallbackInfo& info, std::size_t arguments, const char* fn) {
  Napi::Env env = info.Env();
  check_args(info, arguments, fn);
  GatherCall g{};
  std::size_t index_length = 0;
  g.src = typed<uint8_t>(info, 0, napi_uint8_array, fn, "src", "a Uint8Array", &g.src_length);
  g.row_length = dim(info, 1, fn, "rowLength");
  g.indices = typed<int32_t>(info, 2, napi_int32_array, fn, "indices", "an Int32Array", &index_length);
  g.scale = number(info, 3, fn, "scale");
  g.rows = static_cast<long>(index_length);
  const long available = g.row_length == 0 ? 2147483647L : static_cast<long>(g.src_length) / g.row_length;
  for (long r = 0; r < g.rows; ++r) {
    if (g.indices[r] < 0 || g.indices[r] >= available) {
      range_error(env, std::string(fn) + ": index " + std::to_string(g.indices[r]) + " at position " + std::to_string(r) + " is outside [0, " + std::to_string(available) + ")");
    }
  }
  return g;
}

// The indices were checked before any row is written: out must not be able to change them, nor src.
void check_gather_out(Napi::Env env, const char* fn, const GatherCall& g, const Floats& out) {
  const std::size_t out_bytes = out.length * (out.f64 ? 8 : 4);
  if (overlaps_bytes(out.data, out_bytes, g.src, g.src_length) || overlaps_bytes(out.data, out_bytes, g.indices, static_cast<std::size_t>(g.rows) * 4)) {
    range_error(env, std::string(fn) + ": out must not overlap src or indices");
  }
}

Napi::Value GatherRows(const Napi::CallbackInfo& info) {
  const char* fn = "gatherRows";
  Napi::Env env = info.Env();
  const GatherCall g = gather_call(info, 5, fn);
  const Floats out = floats(info, 4, fn, "out");
  need(env, fn, out, ("out " + shape(g.rows, g.row_length)).c_str(), g.rows * g.row_length);
  check_gather_out(env, fn, g, out);
  BPW_BOTH(out, gather_parallel<T>(g.src, g.row_length, g.indices, g.rows, static_cast<T>(g.scale), P(out)));
  return env.Undefined();
}

// sparseMatmul / sparseMatmulTransposed(rowStart, columns, values, rowLength, indices, scale, in, n, out):
// the first Affine layer's x W and x^T dout for a batch of sparse uint8 images (see sparse_isa.inc).
struct SparseCall {
  bpw_sparse_args args;
  double scale;
  Floats in, out;
};

// Checks a sparseMatmul-style call (9 arguments) completely before any kernel may read its arrays.
SparseCall sparse_call(const Napi::CallbackInfo& info, bool transposed, const char* fn) {
  Napi::Env env = info.Env();
  check_args(info, 9, fn);
  std::size_t starts = 0, column_count = 0, value_count = 0, rows = 0;
  const int32_t* row_start = typed<int32_t>(info, 0, napi_int32_array, fn, "rowStart", "an Int32Array", &starts);
  const uint16_t* columns = typed<uint16_t>(info, 1, napi_uint16_array, fn, "columns", "a Uint16Array", &column_count);
  const uint8_t* values = typed<uint8_t>(info, 2, napi_uint8_array, fn, "values", "a Uint8Array", &value_count);
  const long row_length = dim(info, 3, fn, "rowLength");
  const int32_t* indices = typed<int32_t>(info, 4, napi_int32_array, fn, "indices", "an Int32Array", &rows);
  const double scale = number(info, 5, fn, "scale");
  const Floats in = floats(info, 6, fn, transposed ? "dout" : "W");
  const long n = dim(info, 7, fn, "n");
  const Floats out = floats(info, 8, fn, "out");
  same_dtype(env, fn, {in, out});
  const long batch = static_cast<long>(rows);
  if (transposed) {
    need(env, fn, in, ("dout " + shape(batch, n)).c_str(), batch * n);
    need(env, fn, out, ("out " + shape(row_length, n)).c_str(), row_length * n);
  } else {
    need(env, fn, in, ("W " + shape(row_length, n)).c_str(), row_length * n);
    need(env, fn, out, ("out " + shape(batch, n)).c_str(), batch * n);
  }
  if (overlaps(in, out)) range_error(env, std::string(fn) + ": out must not overlap its input");
  // The encoding and the indices are checked before the kernel runs: out must not be able to change them.
  const std::size_t out_bytes = out.length * (out.f64 ? 8 : 4);
  if (overlaps_bytes(out.data, out_bytes, row_start, starts * 4) || overlaps_bytes(out.data, out_bytes, columns, column_count * 2) ||
      overlaps_bytes(out.data, out_bytes, values, value_count) || overlaps_bytes(out.data, out_bytes, indices, rows * 4)) {
    range_error(env, std::string(fn) + ": out must not overlap rowStart, columns, values or indices");
  }
  if (starts < 1) range_error(env, std::string(fn) + ": rowStart needs at least 1 value (images + 1)");
  if (value_count < column_count) range_error(env, std::string(fn) + ": values has " + std::to_string(value_count) + " entries but columns has " + std::to_string(column_count));
  // Every pixel this batch reads is checked before any kernel runs, so a damaged encoding cannot reach memory
  // outside W or out.
  const long images = static_cast<long>(starts) - 1;
  for (long r = 0; r < batch; ++r) {
    const long i = indices[r];
    if (i < 0 || i >= images) range_error(env, std::string(fn) + ": index " + std::to_string(i) + " at position " + std::to_string(r) + " is outside [0, " + std::to_string(images) + ")");
    const long b = row_start[i], e = row_start[i + 1];
    if (b < 0 || e < b || e > static_cast<long>(column_count)) {
      range_error(env, std::string(fn) + ": image " + std::to_string(i) + " spans pixels [" + std::to_string(b) + ", " + std::to_string(e) + ") outside the " + std::to_string(column_count) + " stored");
    }
  }
  return SparseCall{bpw_sparse_args{row_start, columns, values, indices, batch, n, row_length}, scale, in, out};
}

// Every pixel column the batch reads must be < rowLength: an error message naming the first image with one
// outside, or "" when all are inside. (Row ranges were checked by sparse_call.)
std::string check_columns(const char* fn, const bpw_sparse_args& a) {
  for (long r = 0; r < a.rows; ++r) {
    const long i = a.indices[r];
    uint16_t widest = 0;
    for (long j = a.row_start[i]; j < a.row_start[i + 1]; ++j) widest = a.columns[j] > widest ? a.columns[j] : widest;
    if (a.row_start[i + 1] > a.row_start[i] && widest >= a.row_length) {
      return std::string(fn) + ": image " + std::to_string(i) + " has pixel column " + std::to_string(widest) + " outside rowLength " + std::to_string(a.row_length);
    }
  }
  return "";
}

void run_sparse(const SparseCall& c, bool transposed, const bpw_runtime* r) {
  Runtime& rt = runtime();
  if (c.out.f64) {
    rt.dspmm(&c.args, c.scale, static_cast<const double*>(c.in.data), static_cast<double*>(c.out.data), transposed, r);
  } else {
    rt.sspmm(&c.args, static_cast<float>(c.scale), static_cast<const float*>(c.in.data), static_cast<float*>(c.out.data), transposed, r);
  }
}

Napi::Value SparseProduct(const Napi::CallbackInfo& info, bool transposed) {
  const char* fn = transposed ? "sparseMatmulTransposed" : "sparseMatmul";
  const SparseCall call = sparse_call(info, transposed, fn);
  const std::string error = check_columns(fn, call.args);
  if (!error.empty()) range_error(info.Env(), error);
  const bpw_runtime r = kernel_runtime();
  run_sparse(call, transposed, &r);
  return info.Env().Undefined();
}

// Background jobs. The caller promises not to touch the arrays until backgroundDone says the job is done;
// the references below keep them from being collected meanwhile. Jobs run on one thread, in order, outside
// the pool (the caller's own kernels keep the pool).

// Releases the arrays of this environment's finished jobs; returns the error of one that found its input
// invalid ("" if none).
std::string release_done(napi_env env) {
  Runtime& rt = runtime();
  const unsigned long done = rt.background.completed();
  auto finished = [&](const Runtime::Held& h) { return h.env == env && h.ticket <= done; };
  std::string error;
  for (const Runtime::Held& h : rt.held) {
    if (!finished(h)) continue;
    if (!h.error->empty() && error.empty()) error = *h.error;
    for (napi_ref ref : h.arrays) napi_delete_reference(env, ref);
  }
  rt.held.erase(std::remove_if(rt.held.begin(), rt.held.end(), finished), rt.held.end());
  return error;
}

// Queues job(error) on the background thread, holding the call's array arguments `arrays` until JS learns
// the job is done; returns its ticket. A job that finds its input invalid sets `error` (reported by
// backgroundDone/backgroundWait) and writes nothing.
template <typename Job>
Napi::Value queue_job(const Napi::CallbackInfo& info, std::initializer_list<int> arrays, Job job) {
  Napi::Env env = info.Env();
  init_runtime();
  Runtime& rt = runtime();
  const std::string earlier = release_done(env);
  if (!earlier.empty()) range_error(env, earlier);
  Runtime::Held held{0, env, {}, std::make_shared<std::string>()};
  for (int k : arrays) {
    napi_ref ref = nullptr;
    NAPI_THROW_IF_FAILED(env, napi_create_reference(env, info[k], 1, &ref), Napi::Value());
    held.arrays.push_back(ref);
  }
  const std::shared_ptr<std::string> error = held.error;
  held.ticket = rt.background.post([job, error]() mutable { job(*error); });
  const unsigned long ticket = held.ticket;
  rt.held.push_back(std::move(held));
  return Napi::Number::New(env, static_cast<double>(ticket));
}

Napi::Value SparseMatmulAsync(const Napi::CallbackInfo& info) {
  const SparseCall call = sparse_call(info, false, "sparseMatmulAsync");
  // The pixel-column check reads every pixel of the batch: it runs on the background thread too, before
  // the product (on the caller's thread it cost ~0.35 ms per 2000-image evaluation chunk).
  return queue_job(info, {0, 1, 2, 4, 6, 8}, [call](std::string& error) {
    error = check_columns("sparseMatmulAsync", call.args);
    if (!error.empty()) return;
    const bpw_runtime single{nullptr, &pool_parallel_for, 1, parallel_min_flops(), &pool_scratch, nullptr};
    run_sparse(call, false, &single);
  });
}

// gatherMatmulAsync(src, rowLength, indices, scale, W, n, out): out = gatherRows(src, indices) x W, the dense
// first layer of an evaluation chunk, queued like sparseMatmulAsync.
Napi::Value GatherMatmulAsync(const Napi::CallbackInfo& info) {
  const char* fn = "gatherMatmulAsync";
  Napi::Env env = info.Env();
  const GatherCall g = gather_call(info, 7, fn);
  const Floats w = floats(info, 4, fn, "W");
  const long n = dim(info, 5, fn, "n");
  const Floats out = floats(info, 6, fn, "out");
  same_dtype(env, fn, {w, out});
  const long row_length = g.row_length, rows = g.rows;
  need(env, fn, w, ("W " + shape(row_length, n)).c_str(), row_length * n);
  need(env, fn, out, ("out " + shape(rows, n)).c_str(), rows * n);
  check_gather_out(env, fn, g, out);
  if (overlaps(w, out)) range_error(env, std::string(fn) + ": out must not overlap W");
  const uint8_t* src = g.src;
  const int32_t* indices = g.indices;
  const double scale = g.scale;
  const void* wd = w.data;
  void* od = out.data;
  const bool f64 = out.f64;
  return queue_job(info, {0, 2, 4, 6}, [src, row_length, indices, rows, scale, wd, n, od, f64](std::string&) {
    Runtime& brt = runtime();
    if (!brt.background_scratch) brt.background_scratch = std::make_unique<ThreadPool>(1);
    // Enough doubles for rows x rowLength values of either dtype.
    const std::size_t values = static_cast<std::size_t>(rows) * static_cast<std::size_t>(row_length);
    if (brt.background_rows.size() < values) brt.background_rows.resize(values);
    void* x = brt.background_rows.data();
    const bpw_runtime single{brt.background_scratch.get(), &pool_parallel_for, 1, parallel_min_flops(), &pool_scratch, brt.background_scratch.get()};
    const bpw_gemm_args g{rows, n, row_length, row_length, 1, n, 1, n, 1};
    if (f64) {
      bpw::gather_rows<double>(src, row_length, indices, rows, scale, static_cast<double*>(x));
      bpw::scale_matrix(static_cast<double*>(od), rows * n, 0.0);
      if (rows > 0 && n > 0 && row_length > 0) brt.dgemm(&g, static_cast<const double*>(x), static_cast<const double*>(wd), static_cast<double*>(od), 1.0, &single);
    } else {
      bpw::gather_rows<float>(src, row_length, indices, rows, static_cast<float>(scale), static_cast<float*>(x));
      bpw::scale_matrix(static_cast<float*>(od), rows * n, 0.0f);
      if (rows > 0 && n > 0 && row_length > 0) brt.sgemm(&g, static_cast<const float*>(x), static_cast<const float*>(wd), static_cast<float*>(od), 1.0f, &single);
    }
  });
}

unsigned long ticket_arg(const Napi::CallbackInfo& info, const char* fn) {
  check_args(info, 1, fn);
  const long ticket = dim(info, 0, fn, "ticket");
  init_runtime();
  const unsigned long posted = runtime().background.posted();
  if (ticket < 1 || static_cast<unsigned long>(ticket) > posted) {
    range_error(info.Env(), std::string(fn) + ": ticket " + std::to_string(ticket) + " was never issued (" + std::to_string(posted) + " jobs so far)");
  }
  return static_cast<unsigned long>(ticket);
}

Napi::Value BackgroundDone(const Napi::CallbackInfo& info) {
  const unsigned long ticket = ticket_arg(info, "backgroundDone");
  const bool done = runtime().background.completed() >= ticket;
  if (done) {
    const std::string error = release_done(info.Env());
    if (!error.empty()) range_error(info.Env(), error);
  }
  return Napi::Boolean::New(info.Env(), done);
}

Napi::Value BackgroundWait(const Napi::CallbackInfo& info) {
  const unsigned long ticket = ticket_arg(info, "backgroundWait");
  runtime().background.wait(ticket);
  const std::string error = release_done(info.Env());
  if (!error.empty()) range_error(info.Env(), error);
  return info.Env().Undefined();
}

// A hint: starts fetching a coming batch's pixels into the caches (L2) while the caller still works on the
// current one. Only the index and row ranges are checked; prefetching never faults.
Napi::Value PrefetchSparseRows(const Napi::CallbackInfo& info) {
  const char* fn = "prefetchSparseRows";
  Napi::Env env = info.Env();
  check_args(info, 4, fn);
  std::size_t starts = 0, column_count = 0, value_count = 0, rows = 0;
  const int32_t* row_start = typed<int32_t>(info, 0, napi_int32_array, fn, "rowStart", "an Int32Array", &starts);
  const uint16_t* columns = typed<uint16_t>(info, 1, napi_uint16_array, fn, "columns", "a Uint16Array", &column_count);
  const uint8_t* values = typed<uint8_t>(info, 2, napi_uint8_array, fn, "values", "a Uint8Array", &value_count);
  const int32_t* indices = typed<int32_t>(info, 3, napi_int32_array, fn, "indices", "an Int32Array", &rows);
  const long images = static_cast<long>(starts) - 1;
  const long stored = static_cast<long>(std::min(column_count, value_count));
  for (std::size_t r = 0; r < rows; ++r) {
    const long i = indices[r];
    if (i < 0 || i >= images) range_error(env, std::string(fn) + ": index " + std::to_string(i) + " at position " + std::to_string(r) + " is outside [0, " + std::to_string(images) + ")");
    const long b = std::max(0L, static_cast<long>(row_start[i]));
    const long e = std::min(stored, static_cast<long>(row_start[i + 1]));
    for (long j = b; j < e; j += 32) __builtin_prefetch(columns + j, 0, 2);
    for (long j = b; j < e; j += 64) __builtin_prefetch(values + j, 0, 2);
    if (e > b) {
      __builtin_prefetch(columns + e - 1, 0, 2);
      __builtin_prefetch(values + e - 1, 0, 2);
    }
  }
  return env.Undefined();
}

Napi::Value SparseMatmul(const Napi::CallbackInfo& info) { return SparseProduct(info, false); }
Napi::Value SparseMatmulTransposed(const Napi::CallbackInfo& info) { return SparseProduct(info, true); }

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  check_args(info, 1, "setThreads");
  const long n = dim(info, 0, "setThreads", "threads");
  if (n < 1 || n > 256) range_error(info.Env(), "setThreads: threads must be in 1..256, got " + std::to_string(n));
  init_runtime();
  runtime().pool->resize(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  init_runtime();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("isa", runtime().isa);
  o.Set("threads", runtime().pool->threads());
  o.Set("hardwareThreads", runtime().hardware_threads);
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("addBias", Napi::Function::New(env, AddBias, "addBias"));
  exports.Set("colSums", Napi::Function::New(env, ColSums, "colSums"));
  exports.Set("reluForward", Napi::Function::New(env, ReluForward, "reluForward"));
  exports.Set("reluBackward", Napi::Function::New(env, ReluBackward, "reluBackward"));
  exports.Set("sigmoidForward", Napi::Function::New(env, SigmoidForward, "sigmoidForward"));
  exports.Set("sigmoidBackward", Napi::Function::New(env, SigmoidBackward, "sigmoidBackward"));
  exports.Set("softmaxRows", Napi::Function::New(env, SoftmaxRows, "softmaxRows"));
  exports.Set("softmaxCrossEntropy", Napi::Function::New(env, SoftmaxCrossEntropy, "softmaxCrossEntropy"));
  exports.Set("softmaxCrossEntropyBackward", Napi::Function::New(env, SoftmaxCrossEntropyBackward, "softmaxCrossEntropyBackward"));
  exports.Set("axpby", Napi::Function::New(env, Axpby, "axpby"));
  exports.Set("optimizerStep", Napi::Function::New(env, OptimizerStep, "optimizerStep"));
  exports.Set("batchNormForward", Napi::Function::New(env, BatchNormForward, "batchNormForward"));
  exports.Set("batchNormBackward", Napi::Function::New(env, BatchNormBackward, "batchNormBackward"));
  exports.Set("sumSquares", Napi::Function::New(env, SumSquares, "sumSquares"));
  exports.Set("mul", Napi::Function::New(env, Mul, "mul"));
  exports.Set("argmaxRows", Napi::Function::New(env, ArgmaxRows, "argmaxRows"));
  exports.Set("gatherRows", Napi::Function::New(env, GatherRows, "gatherRows"));
  exports.Set("sparseMatmul", Napi::Function::New(env, SparseMatmul, "sparseMatmul"));
  exports.Set("sparseMatmulTransposed", Napi::Function::New(env, SparseMatmulTransposed, "sparseMatmulTransposed"));
  exports.Set("prefetchSparseRows", Napi::Function::New(env, PrefetchSparseRows, "prefetchSparseRows"));
  exports.Set("sparseMatmulAsync", Napi::Function::New(env, SparseMatmulAsync, "sparseMatmulAsync"));
  exports.Set("gatherMatmulAsync", Napi::Function::New(env, GatherMatmulAsync, "gatherMatmulAsync"));
  exports.Set("backgroundDone", Napi::Function::New(env, BackgroundDone, "backgroundDone"));
  exports.Set("backgroundWait", Napi::Function::New(env, BackgroundWait, "backgroundWait"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  return exports;
}

}  // namespace

NODE_API_MODULE(backprop_native, Init)
