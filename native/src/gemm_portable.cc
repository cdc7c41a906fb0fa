// The portable kernels: plain C++ loops, no vector extensions, any compiler (MSVC included) and any CPU. They
// run where the vector builds cannot be compiled, and BACKPROP_ISA=portable selects them on any machine, so
// the tests run them here too. They are also the plainest statement of what the ISA builds compute.
#include "gemm_isa.h"

namespace {

template <typename T>
struct GemmJob {
  const bpw_gemm_args* g;
  const T* a;
  const T* b;
  T* c;
  T alpha;
  int64_t rows_per_task;
};

// Rows [i0, i1) of C += alpha * op(A) op(B), in i-p-j order: B and C are walked along j.
template <typename T>
void gemm_rows(const GemmJob<T>& job, int64_t i0, int64_t i1) {
  const bpw_gemm_args& g = *job.g;
  for (int64_t i = i0; i < i1; ++i) {
    T* c = job.c + i * g.c_rs;
    for (int64_t p = 0; p < g.k; ++p) {
      const T a = job.alpha * job.a[i * g.a_rs + p * g.a_cs];
      const T* b = job.b + p * g.b_rs;
      for (int64_t j = 0; j < g.n; ++j) c[j * g.c_cs] += a * b[j * g.b_cs];
    }
  }
}

template <typename T>
void gemm_task(void* ctx, int64_t task, int) {
  const GemmJob<T>& job = *static_cast<const GemmJob<T>*>(ctx);
  const int64_t i0 = task * job.rows_per_task;
  const int64_t i1 = i0 + job.rows_per_task < job.g->m ? i0 + job.rows_per_task : job.g->m;
  gemm_rows(job, i0, i1);
}

template <typename T>
void gemm(const bpw_gemm_args* g, const T* a, const T* b, T* c, T alpha, const bpw_runtime* rt) {
  GemmJob<T> job{g, a, b, c, alpha, g->m};
  const double flops = 2.0 * double(g->m) * double(g->n) * double(g->k);
  if (rt->threads <= 1 || flops < rt->parallel_min_flops || g->m < 2) {
    gemm_rows(job, 0, g->m);
    return;
  }
  // Rows are independent: one contiguous share of them per thread.
  job.rows_per_task = (g->m + rt->threads - 1) / rt->threads;
  const int64_t tasks = (g->m + job.rows_per_task - 1) / job.rows_per_task;
  rt->parallel_for(rt->pool, tasks, rt->threads, &gemm_task<T>, &job);
}

// out (rows x n) = X W, or out (row_length x n) = X^T dout, X's row r being image indices[r] times scale.
template <typename T>
void spmm(const bpw_sparse_args* s, T scale, const T* in, T* out, bool transposed) {
  const int64_t n = s->n;
  const int64_t size = (transposed ? s->row_length : s->rows) * n;
  for (int64_t i = 0; i < size; ++i) out[i] = T(0);
  for (int64_t r = 0; r < s->rows; ++r) {
    const int64_t image = s->indices[r];
    for (int32_t j = s->row_start[image]; j < s->row_start[image + 1]; ++j) {
      const T x = T(s->values[j]) * scale;
      const int64_t column = s->columns[j];
      if (transposed) {
        for (int64_t c = 0; c < n; ++c) out[column * n + c] += x * in[r * n + c];
      } else {
        for (int64_t c = 0; c < n; ++c) out[r * n + c] += x * in[column * n + c];
      }
    }
  }
}

}  // namespace

extern "C" void bpw_sgemm_portable(const bpw_gemm_args* g, const float* a, const float* b, float* c, float alpha, const bpw_runtime* rt) {
  gemm(g, a, b, c, alpha, rt);
}

extern "C" void bpw_dgemm_portable(const bpw_gemm_args* g, const double* a, const double* b, double* c, double alpha, const bpw_runtime* rt) {
  gemm(g, a, b, c, alpha, rt);
}

extern "C" void bpw_sspmm_portable(const bpw_sparse_args* s, float scale, const float* in, float* out, int transposed, const bpw_runtime*) {
  spmm(s, scale, in, out, transposed != 0);
}

extern "C" void bpw_dspmm_portable(const bpw_sparse_args* s, double scale, const double* in, double* out, int transposed, const bpw_runtime*) {
  spmm(s, scale, in, out, transposed != 0);
}

#define BPW_CONV_ISA portable
#include "conv_isa.inc"
