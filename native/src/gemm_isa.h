// Interface between the ISA-specific GEMM translation units and the rest of the addon: plain C types only.
// Sizes and strides are 64-bit on every platform (long is 32-bit on Windows).
#pragma once

#include <stddef.h>
#include <stdint.h>

extern "C" {

typedef void (*bpw_task_fn)(void* ctx, int64_t task, int worker);
/** Runs fn(ctx, task, worker) for every task in [0, tasks) on up to `threads` threads. An exception thrown
 *  by a task is rethrown on the calling thread once every task has stopped. */
typedef void (*bpw_parallel_for_fn)(void* pool, int64_t tasks, int threads, bpw_task_fn fn, void* ctx);
/** Returns a per-worker buffer of at least `bytes` bytes, 64-byte aligned, valid until the next call. */
typedef void* (*bpw_scratch_fn)(void* ctx, int worker, size_t bytes);

typedef struct {
  void* pool;
  bpw_parallel_for_fn parallel_for;
  int threads;
  double parallel_min_flops;
  bpw_scratch_fn scratch;
  void* scratch_ctx;
} bpw_runtime;

/** C(i,j) += alpha * sum_p A(i,p) B(p,j), X(r,c) at x[r*x_rs + c*x_cs]. */
typedef struct {
  int64_t m, n, k;
  int64_t a_rs, a_cs, b_rs, b_cs, c_rs, c_cs;
} bpw_gemm_args;

typedef void (*bpw_sgemm_fn)(const bpw_gemm_args*, const float*, const float*, float*, float, const bpw_runtime*);
typedef void (*bpw_dgemm_fn)(const bpw_gemm_args*, const double*, const double*, double*, double, const bpw_runtime*);

/** Sparse rows of uint8 pixels (CSR over a whole image set) and the batch's image indices; see sparse_isa.inc. */
typedef struct {
  const int32_t* row_start;
  const uint16_t* columns;
  const uint8_t* values;
  const int32_t* indices;
  int64_t rows, n, row_length;
} bpw_sparse_args;

typedef void (*bpw_sspmm_fn)(const bpw_sparse_args*, float, const float*, float*, int, const bpw_runtime*);
typedef void (*bpw_dspmm_fn)(const bpw_sparse_args*, double, const double*, double*, int, const bpw_runtime*);

/** A direct convolution over an (N, C, H, W) batch with FN filters FH x FW (see conv_isa.inc): the window's
 *  geometry, and fnp, kp = FN and C*FH*FW rounded up to whole 64-byte vectors of the call's dtype. */
typedef struct {
  int64_t n, c, h, w, fn, fh, fw, stride, pad, out_h, out_w, fnp, kp;
} bpw_conv_args;

/** The passes of conv_isa.inc, each over one image b; the pooled ones take the 2x2 pooling's argmax (int32, -1: none). */
enum { BPW_CONV_FORWARD = 0, BPW_CONV_FILTERS = 1, BPW_CONV_INPUT = 2, BPW_CONV_FORWARD_POOLED = 3, BPW_CONV_FILTERS_POOLED = 4 };

typedef void (*bpw_sconv_fn)(const bpw_conv_args*, int pass, int64_t b, const float* in, const float* w, const float* bias, float* out, float* scratch,
                             int32_t* argmax);
typedef void (*bpw_dconv_fn)(const bpw_conv_args*, int pass, int64_t b, const double* in, const double* w, const double* bias, double* out,
                             double* scratch, int32_t* argmax);

#define BPW_DECLARE_ISA(isa)                                                                                       \
  void bpw_sgemm_##isa(const bpw_gemm_args*, const float*, const float*, float*, float, const bpw_runtime*);     \
  void bpw_dgemm_##isa(const bpw_gemm_args*, const double*, const double*, double*, double, const bpw_runtime*); \
  void bpw_sspmm_##isa(const bpw_sparse_args*, float, const float*, float*, int, const bpw_runtime*);             \
  void bpw_dspmm_##isa(const bpw_sparse_args*, double, const double*, double*, int, const bpw_runtime*);             \
  void bpw_sconv_##isa(const bpw_conv_args*, int, int64_t, const float*, const float*, const float*, float*, float*, int32_t*); \
  void bpw_dconv_##isa(const bpw_conv_args*, int, int64_t, const double*, const double*, const double*, double*, double*, int32_t*);

BPW_DECLARE_ISA(avx512)
BPW_DECLARE_ISA(avx2)
BPW_DECLARE_ISA(base)
/** Plain C++ loops (gemm_portable.cc): any compiler, any CPU; also the readable reference. */
BPW_DECLARE_ISA(portable)
}
