// The WebAssembly build's entry points: a thin C ABI (pointers into linear memory and sizes) over the same
// kernels the Node-API addon calls (elementwise.cc, conv_kernels.h, and the GEMM, sparse and direct convolution
// kernels of gemm_isa.inc, sparse_isa.inc and conv_isa.inc built by gemm_wasm.cc with 16-byte vectors, which
// become SIMD128). Arguments are checked on the JavaScript side
// (src-services/backends/wasm/), as args.cc checks them for the addon; here they are only forwarded. There is
// one thread: the kernels' parallel_for runs inline, and each caller's scratch is one reusable buffer.
#include <stdint.h>
#include <stdlib.h>

#include "../src/conv_kernels.h"
#include "../src/elementwise.h"
#include "../src/gemm_isa.h"

extern "C" {
BPW_DECLARE_ISA(wasm)
}

#define BPW_EXPORT(name) extern "C" __attribute__((export_name(#name)))

namespace {

// One buffer that grows to the largest size asked for: the GEMM's packed panels, and the JavaScript side's
// per-call arena (kept apart, as a kernel needs its scratch while the arena holds its arguments).
struct Buffer {
  void* data = nullptr;
  size_t bytes = 0;
  void* get(size_t want) {
    if (want <= bytes) return data;
    free(data);
    const size_t rounded = (want + 63) / 64 * 64;
    data = aligned_alloc(64, rounded);
    bytes = data ? rounded : 0;
    if (!data) __builtin_trap();
    return data;
  }
};

Buffer scratch_buffer;
Buffer arena_buffer;
// The direct convolution's filters in its layout (or the filters pass's block of sums), apart from the scratch.
Buffer conv_buffer;

void inline_parallel_for(void*, int64_t tasks, int, bpw_task_fn fn, void* ctx) {
  for (int64_t t = 0; t < tasks; ++t) fn(ctx, t, 0);
}

void* scratch(void*, int, size_t bytes) { return scratch_buffer.get(bytes); }

const bpw_runtime kRuntime{nullptr, &inline_parallel_for, 1, 0.0, &scratch, nullptr};

}  // namespace

/** A 64-byte aligned block of `bytes` bytes kept across calls (an encoded image set), or 0 without memory. */
BPW_EXPORT(alloc) void* bpw_alloc(uint32_t bytes) { return aligned_alloc(64, (bytes + 63) / 64 * 64); }
BPW_EXPORT(release) void bpw_release(void* block) { free(block); }

/** A 64-byte aligned region of at least `bytes` bytes for one call's arguments, valid until the next arena call. */
BPW_EXPORT(arena) void* bpw_arena(uint32_t bytes) { return arena_buffer.get(bytes == 0 ? 64 : bytes); }

#define BPW_DTYPE(f64, call)         \
  do {                               \
    if (f64) {                       \
      using T = double;              \
      call;                          \
    } else {                         \
      using T = float;               \
      call;                          \
    }                                \
  } while (0)

BPW_EXPORT(gemm) void bpw_gemm(int f64, int ta, int tb, int32_t m, int32_t n, int32_t k, double alpha, const void* a, const void* b, double beta, void* c) {
  BPW_DTYPE(f64, bpw::scale_matrix(static_cast<T*>(c), int64_t(m) * n, static_cast<T>(beta)));
  if (m == 0 || n == 0 || k == 0 || alpha == 0) return;
  const bpw_gemm_args g{m, n, k, ta ? 1 : k, ta ? m : 1, tb ? 1 : n, tb ? k : 1, n, 1};
  if (f64) bpw_dgemm_wasm(&g, static_cast<const double*>(a), static_cast<const double*>(b), static_cast<double*>(c), alpha, &kRuntime);
  else bpw_sgemm_wasm(&g, static_cast<const float*>(a), static_cast<const float*>(b), static_cast<float*>(c), static_cast<float>(alpha), &kRuntime);
}

BPW_EXPORT(addBias) void bpw_add_bias(int f64, void* x, int32_t rows, int32_t cols, const void* bias, int relu) {
  BPW_DTYPE(f64, bpw::add_bias(static_cast<T*>(x), rows, cols, static_cast<const T*>(bias), relu != 0));
}

BPW_EXPORT(colSums) void bpw_col_sums(int f64, const void* x, int32_t rows, int32_t cols, void* out) {
  BPW_DTYPE(f64, bpw::col_sums(static_cast<const T*>(x), rows, cols, static_cast<T*>(out)));
}

BPW_EXPORT(reluForward) void bpw_relu_forward(int f64, const void* x, void* y, uint8_t* mask, int32_t n) {
  BPW_DTYPE(f64, bpw::relu_forward(static_cast<const T*>(x), static_cast<T*>(y), mask, n));
}

BPW_EXPORT(reluBackward) void bpw_relu_backward(int f64, const void* dout, const uint8_t* mask, void* dx, int32_t n) {
  BPW_DTYPE(f64, bpw::relu_backward(static_cast<const T*>(dout), mask, static_cast<T*>(dx), n));
}

BPW_EXPORT(sigmoidForward) void bpw_sigmoid_forward(int f64, const void* x, void* y, int32_t n) {
  BPW_DTYPE(f64, bpw::sigmoid_forward(static_cast<const T*>(x), static_cast<T*>(y), n));
}

BPW_EXPORT(sigmoidBackward) void bpw_sigmoid_backward(int f64, const void* dout, const void* y, void* dx, int32_t n) {
  BPW_DTYPE(f64, bpw::sigmoid_backward(static_cast<const T*>(dout), static_cast<const T*>(y), static_cast<T*>(dx), n));
}

BPW_EXPORT(softmaxRows) void bpw_softmax_rows(int f64, const void* x, void* y, int32_t rows, int32_t cols) {
  BPW_DTYPE(f64, bpw::softmax_rows(static_cast<const T*>(x), static_cast<T*>(y), rows, cols));
}

BPW_EXPORT(softmaxCrossEntropy) double bpw_softmax_cross_entropy(int f64, const void* x, const int32_t* labels, void* y, int32_t rows, int32_t cols, double delta) {
  double loss = 0;
  BPW_DTYPE(f64, loss = bpw::softmax_cross_entropy(static_cast<const T*>(x), labels, static_cast<T*>(y), rows, cols, delta));
  return loss;
}

BPW_EXPORT(softmaxCrossEntropyBackward) void bpw_softmax_cross_entropy_backward(int f64, const void* y, const int32_t* labels, void* dx, int32_t rows, int32_t cols) {
  BPW_DTYPE(f64, bpw::softmax_cross_entropy_backward(static_cast<const T*>(y), labels, static_cast<T*>(dx), rows, cols));
}

BPW_EXPORT(axpby) void bpw_axpby(int f64, double alpha, const void* x, double beta, void* y, int32_t n) {
  BPW_DTYPE(f64, bpw::axpby(static_cast<T>(alpha), static_cast<const T*>(x), static_cast<T>(beta), static_cast<T*>(y), n));
}

BPW_EXPORT(optimizerStep) void bpw_optimizer_step(int f64, int rule, void* w, const void* g, void* s1, void* s2, int32_t n, double lr, double p1, double p2,
                                                  double eps) {
  BPW_DTYPE(f64, bpw::optimizer_step(rule, static_cast<T*>(w), static_cast<const T*>(g), static_cast<T*>(s1), static_cast<T*>(s2), n, static_cast<T>(lr),
                                     static_cast<T>(p1), static_cast<T>(p2), static_cast<T>(eps)));
}

BPW_EXPORT(batchNormForward) void bpw_batch_norm_forward(int f64, const void* x, int32_t rows, int32_t cols, const void* gamma, const void* beta,
                                                         void* running_mean, void* running_var, int train, double momentum, double eps, void* xc,
                                                         void* xn, void* std_, void* out) {
  BPW_DTYPE(f64, bpw::batch_norm_forward(static_cast<const T*>(x), rows, cols, static_cast<const T*>(gamma), static_cast<const T*>(beta),
                                         static_cast<T*>(running_mean), static_cast<T*>(running_var), train != 0, static_cast<T>(momentum),
                                         static_cast<T>(eps), static_cast<T*>(xc), static_cast<T*>(xn), static_cast<T*>(std_), static_cast<T*>(out)));
}

BPW_EXPORT(batchNormBackward) void bpw_batch_norm_backward(int f64, const void* dout, int32_t rows, int32_t cols, const void* gamma, const void* xc,
                                                           const void* xn, const void* std_, void* dx, void* dgamma, void* dbeta) {
  BPW_DTYPE(f64, bpw::batch_norm_backward(static_cast<const T*>(dout), rows, cols, static_cast<const T*>(gamma), static_cast<const T*>(xc),
                                          static_cast<const T*>(xn), static_cast<const T*>(std_), static_cast<T*>(dx), static_cast<T*>(dgamma),
                                          static_cast<T*>(dbeta)));
}

BPW_EXPORT(sumSquares) double bpw_sum_squares(int f64, const void* x, int32_t n) {
  double s = 0;
  BPW_DTYPE(f64, s = bpw::sum_squares(static_cast<const T*>(x), n));
  return s;
}

BPW_EXPORT(mul) void bpw_mul(int f64, const void* a, const void* b, void* out, int32_t n) {
  BPW_DTYPE(f64, bpw::mul(static_cast<const T*>(a), static_cast<const T*>(b), static_cast<T*>(out), n));
}

BPW_EXPORT(argmaxRows) void bpw_argmax_rows(int f64, const void* x, int32_t rows, int32_t cols, int32_t* out) {
  BPW_DTYPE(f64, bpw::argmax_rows(static_cast<const T*>(x), rows, cols, out));
}

BPW_EXPORT(gatherRows) void bpw_gather_rows(int f64, const uint8_t* src, int32_t row_length, const int32_t* indices, int32_t rows, double scale, void* out) {
  BPW_DTYPE(f64, bpw::gather_rows(src, row_length, indices, rows, static_cast<T>(scale), static_cast<T*>(out)));
}

/** sparseMatmul (transposed = 0) or sparseMatmulTransposed (1) over an encoding the caller has checked. */
BPW_EXPORT(sparseMatmul) void bpw_sparse_matmul(int f64, int transposed, const int32_t* row_start, const uint16_t* columns, const uint8_t* values,
                                                int32_t row_length, const int32_t* indices, int32_t rows, double scale, const void* in, int32_t n,
                                                void* out) {
  const bpw_sparse_args s{row_start, columns, values, indices, rows, n, row_length};
  if (f64) bpw_dspmm_wasm(&s, scale, static_cast<const double*>(in), static_cast<double*>(out), transposed, &kRuntime);
  else bpw_sspmm_wasm(&s, static_cast<float>(scale), static_cast<const float*>(in), static_cast<float*>(out), transposed, &kRuntime);
}

namespace {

bpw::ConvGeometry window(int32_t n, int32_t c, int32_t h, int32_t w, int32_t fh, int32_t fw, int32_t stride, int32_t pad) {
  bpw::ConvGeometry g{n, c, h, w, fh, fw, stride, pad, 0, 0};
  g.out_h = (g.h + 2 * g.pad - g.fh) / g.stride + 1;
  g.out_w = (g.w + 2 * g.pad - g.fw) / g.stride + 1;
  return g;
}

}  // namespace

// The convolution and pooling kernels over a window the caller has checked (at least 1, fitting the padded image).
BPW_EXPORT(im2col) void bpw_im2col(int f64, const void* x, void* col, int32_t n, int32_t c, int32_t h, int32_t w, int32_t fh, int32_t fw, int32_t stride,
                                   int32_t pad) {
  const bpw::ConvGeometry g = window(n, c, h, w, fh, fw, stride, pad);
  BPW_DTYPE(f64, for (int64_t b = 0; b < g.n; ++b) bpw::im2col_image(g, static_cast<const T*>(x), static_cast<T*>(col), b));
}

BPW_EXPORT(col2im) void bpw_col2im(int f64, const void* col, void* dx, int32_t n, int32_t c, int32_t h, int32_t w, int32_t fh, int32_t fw, int32_t stride,
                                   int32_t pad) {
  const bpw::ConvGeometry g = window(n, c, h, w, fh, fw, stride, pad);
  BPW_DTYPE(f64, for (int64_t b = 0; b < g.n; ++b) bpw::col2im_image(g, static_cast<const T*>(col), static_cast<T*>(dx), b));
}

BPW_EXPORT(maxPoolForward) void bpw_max_pool_forward(int f64, const void* x, void* out, int32_t* argmax, int32_t n, int32_t c, int32_t h, int32_t w, int32_t fh,
                                                     int32_t fw, int32_t stride, int32_t pad) {
  const bpw::ConvGeometry g = window(n, c, h, w, fh, fw, stride, pad);
  BPW_DTYPE(f64, for (int64_t p = 0; p < g.n * g.c; ++p) bpw::max_pool_any_plane(g, static_cast<const T*>(x), static_cast<T*>(out), argmax, p));
}

BPW_EXPORT(reluMaxPoolForward) void bpw_relu_max_pool_forward(int f64, const void* x, void* out, int32_t* argmax, int32_t n, int32_t c, int32_t h, int32_t w,
                                                              int32_t fh, int32_t fw, int32_t stride, int32_t pad) {
  const bpw::ConvGeometry g = window(n, c, h, w, fh, fw, stride, pad);
  BPW_DTYPE(f64, for (int64_t p = 0; p < g.n * g.c; ++p) bpw::relu_max_pool_any_plane(g, static_cast<const T*>(x), static_cast<T*>(out), argmax, p));
}

/** argmax values must be inside the window or -1 (checked by the caller). */
BPW_EXPORT(reluMaxPoolBackward) void bpw_relu_max_pool_backward(int f64, const void* dout, const int32_t* argmax, void* dx, int32_t n, int32_t c, int32_t h,
                                                                int32_t w, int32_t fh, int32_t fw, int32_t stride, int32_t pad) {
  const bpw::ConvGeometry g = window(n, c, h, w, fh, fw, stride, pad);
  BPW_DTYPE(f64, for (int64_t p = 0; p < g.n * g.c; ++p) bpw::relu_max_pool_backward_plane(g, static_cast<const T*>(dout), argmax, static_cast<T*>(dx), p));
}

/** argmax values must be inside the window (checked by the caller). */
BPW_EXPORT(maxPoolBackward) void bpw_max_pool_backward(int f64, const void* dout, const int32_t* argmax, void* dx, int32_t n, int32_t c, int32_t h, int32_t w,
                                                       int32_t fh, int32_t fw, int32_t stride, int32_t pad) {
  const bpw::ConvGeometry g = window(n, c, h, w, fh, fw, stride, pad);
  BPW_DTYPE(f64, for (int64_t p = 0; p < g.n * g.c; ++p) bpw::max_pool_backward_plane(g, static_cast<const T*>(dout), argmax, static_cast<T*>(dx), p));
}

BPW_EXPORT(transposeBatch) void bpw_transpose_batch(int f64, const void* x, void* out, int32_t batch, int32_t rows, int32_t cols) {
  const int64_t size = int64_t(rows) * cols;
  BPW_DTYPE(f64, for (int64_t b = 0; b < batch; ++b) bpw::transpose(static_cast<const T*>(x) + b * size, static_cast<T*>(out) + b * size, rows, cols));
}

namespace {

void conv_image(const bpw_conv_args* a, int pass, int64_t b, const float* in, const float* w, const float* bias, float* out, float* scratch,
                int32_t* argmax = nullptr) {
  bpw_sconv_wasm(a, pass, b, in, w, bias, out, scratch, argmax);
}

void conv_image(const bpw_conv_args* a, int pass, int64_t b, const double* in, const double* w, const double* bias, double* out, double* scratch,
                int32_t* argmax = nullptr) {
  bpw_dconv_wasm(a, pass, b, in, w, bias, out, scratch, argmax);
}

template <typename T>
T* conv_scratch(const bpw_conv_args& a, int pass) {
  return static_cast<T*>(scratch_buffer.get(sizeof(T) * static_cast<size_t>(bpw::conv_scratch_values(a, pass))));
}

// The three passes of conv_isa.inc image by image, with the operands laid out as conv.cc lays them out.
// pass: BPW_CONV_FORWARD, or BPW_CONV_FORWARD_POOLED with the pooling's argmax.
template <typename T>
void conv_forward(const bpw::ConvGeometry& g, int64_t filters, int pass, const T* x, const T* w, const T* bias, T* out, int32_t* argmax) {
  const bpw_conv_args a = bpw::conv_args<T>(g, filters);
  T* wt = static_cast<T*>(conv_buffer.get(sizeof(T) * static_cast<size_t>(a.c * a.fh * a.fw * a.fnp)));
  bpw::conv_weights_by_tap(a, w, wt);
  T* acc = conv_scratch<T>(a, pass);
  for (int64_t b = 0; b < g.n; ++b) conv_image(&a, pass, b, x, wt, bias, out, acc, argmax);
}

// pass: BPW_CONV_FILTERS, or BPW_CONV_FILTERS_POOLED with the pooled gradient and its argmax.
template <typename T>
void conv_backward_filters(const bpw::ConvGeometry& g, int64_t filters, int pass, const T* x, const T* dout, int32_t* argmax, T* dw, T* db) {
  const bpw_conv_args a = bpw::conv_args<T>(g, filters);
  const int64_t size = bpw::conv_filters_block(a);
  T* block = static_cast<T*>(conv_buffer.get(sizeof(T) * static_cast<size_t>(size)));
  std::fill(block, block + size, T(0));
  T* rows = conv_scratch<T>(a, pass);
  for (int64_t b = 0; b < g.n; ++b) conv_image(&a, pass, b, x, dout, static_cast<const T*>(nullptr), block, rows, argmax);
  bpw::conv_filters_unpack(a, block, dw, db);
}

template <typename T>
void conv_backward_input(const bpw::ConvGeometry& g, int64_t filters, const T* dout, const T* w, T* dx) {
  const bpw_conv_args a = bpw::conv_args<T>(g, filters);
  T* wp = static_cast<T*>(conv_buffer.get(sizeof(T) * static_cast<size_t>(a.fn * a.kp)));
  bpw::conv_weights_padded(a, w, wp);
  T* dcol = conv_scratch<T>(a, BPW_CONV_INPUT);
  for (int64_t b = 0; b < g.n; ++b) conv_image(&a, BPW_CONV_INPUT, b, dout, wp, static_cast<const T*>(nullptr), dx, dcol);
}

}  // namespace

// The direct convolution (conv_isa.inc) with `filters` filters over a checked window; the caller skips an empty forward.
BPW_EXPORT(convForward) void bpw_conv_forward(int f64, const void* x, const void* w, const void* bias, void* out, int32_t filters, int32_t n, int32_t c,
                                              int32_t h, int32_t width, int32_t fh, int32_t fw, int32_t stride, int32_t pad) {
  const bpw::ConvGeometry g = window(n, c, h, width, fh, fw, stride, pad);
  BPW_DTYPE(f64, conv_forward(g, filters, BPW_CONV_FORWARD, static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(bias), static_cast<T*>(out),
                              nullptr));
}

BPW_EXPORT(convBackwardFilters) void bpw_conv_backward_filters(int f64, const void* x, const void* dout, void* dw, void* db, int32_t filters, int32_t n,
                                                               int32_t c, int32_t h, int32_t width, int32_t fh, int32_t fw, int32_t stride, int32_t pad) {
  const bpw::ConvGeometry g = window(n, c, h, width, fh, fw, stride, pad);
  BPW_DTYPE(f64, conv_backward_filters(g, filters, BPW_CONV_FILTERS, static_cast<const T*>(x), static_cast<const T*>(dout), nullptr, static_cast<T*>(dw),
                                       static_cast<T*>(db)));
}

BPW_EXPORT(convBackwardInput) void bpw_conv_backward_input(int f64, const void* dout, const void* w, void* dx, int32_t filters, int32_t n, int32_t c,
                                                           int32_t h, int32_t width, int32_t fh, int32_t fw, int32_t stride, int32_t pad) {
  const bpw::ConvGeometry g = window(n, c, h, width, fh, fw, stride, pad);
  BPW_DTYPE(f64, conv_backward_input(g, filters, static_cast<const T*>(dout), static_cast<const T*>(w), static_cast<T*>(dx)));
}

// The fast path of conv, ReLU and 2x2 stride-2 pooling over a checked window (its output at least 2x2; argmax
// in [-1, 3] for the backward).
BPW_EXPORT(convReluPoolForward) void bpw_conv_relu_pool_forward(int f64, const void* x, const void* w, const void* bias, void* out, int32_t* argmax,
                                                                int32_t filters, int32_t n, int32_t c, int32_t h, int32_t width, int32_t fh, int32_t fw,
                                                                int32_t stride, int32_t pad) {
  const bpw::ConvGeometry g = window(n, c, h, width, fh, fw, stride, pad);
  BPW_DTYPE(f64, conv_forward(g, filters, BPW_CONV_FORWARD_POOLED, static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(bias),
                              static_cast<T*>(out), argmax));
}

BPW_EXPORT(convReluPoolBackwardFilters) void bpw_conv_relu_pool_backward_filters(int f64, const void* x, const void* dout, int32_t* argmax, void* dw, void* db,
                                                                                 int32_t filters, int32_t n, int32_t c, int32_t h, int32_t width, int32_t fh,
                                                                                 int32_t fw, int32_t stride, int32_t pad) {
  const bpw::ConvGeometry g = window(n, c, h, width, fh, fw, stride, pad);
  BPW_DTYPE(f64, conv_backward_filters(g, filters, BPW_CONV_FILTERS_POOLED, static_cast<const T*>(x), static_cast<const T*>(dout), argmax, static_cast<T*>(dw),
                                       static_cast<T*>(db)));
}
