// Interface between the ISA-specific GEMM translation units and the rest of the addon: plain C types only.
#pragma once

extern "C" {

typedef void (*bpw_task_fn)(void* ctx, long task, int worker);
typedef void (*bpw_parallel_for_fn)(void* pool, long tasks, int threads, bpw_task_fn fn, void* ctx);
/** Returns a per-worker buffer of at least `bytes` bytes, 64-byte aligned, valid until the next call. */
typedef void* (*bpw_scratch_fn)(void* ctx, int worker, unsigned long bytes);

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
  long m, n, k;
  long a_rs, a_cs, b_rs, b_cs, c_rs, c_cs;
} bpw_gemm_args;

typedef void (*bpw_sgemm_fn)(const bpw_gemm_args*, const float*, const float*, float*, float, const bpw_runtime*);
typedef void (*bpw_dgemm_fn)(const bpw_gemm_args*, const double*, const double*, double*, double, const bpw_runtime*);

/** Sparse rows of uint8 pixels (CSR over a whole image set) and the batch's image indices; see sparse_isa.inc. */
typedef struct {
  const int* row_start;
  const unsigned short* columns;
  const unsigned char* values;
  const int* indices;
  long rows, n, row_length;
} bpw_sparse_args;

typedef void (*bpw_sspmm_fn)(const bpw_sparse_args*, float, const float*, float*, int, const bpw_runtime*);
typedef void (*bpw_dspmm_fn)(const bpw_sparse_args*, double, const double*, double*, int, const bpw_runtime*);

void bpw_sspmm_avx512(const bpw_sparse_args*, float, const float*, float*, int, const bpw_runtime*);
void bpw_dspmm_avx512(const bpw_sparse_args*, double, const double*, double*, int, const bpw_runtime*);
void bpw_sspmm_avx2(const bpw_sparse_args*, float, const float*, float*, int, const bpw_runtime*);
void bpw_dspmm_avx2(const bpw_sparse_args*, double, const double*, double*, int, const bpw_runtime*);
void bpw_sspmm_base(const bpw_sparse_args*, float, const float*, float*, int, const bpw_runtime*);
void bpw_dspmm_base(const bpw_sparse_args*, double, const double*, double*, int, const bpw_runtime*);

void bpw_sgemm_avx512(const bpw_gemm_args*, const float*, const float*, float*, float, const bpw_runtime*);
void bpw_dgemm_avx512(const bpw_gemm_args*, const double*, const double*, double*, double, const bpw_runtime*);
void bpw_sgemm_avx2(const bpw_gemm_args*, const float*, const float*, float*, float, const bpw_runtime*);
void bpw_dgemm_avx2(const bpw_gemm_args*, const double*, const double*, double*, double, const bpw_runtime*);
void bpw_sgemm_base(const bpw_gemm_args*, const float*, const float*, float*, float, const bpw_runtime*);
void bpw_dgemm_base(const bpw_gemm_args*, const double*, const double*, double*, double, const bpw_runtime*);
}
