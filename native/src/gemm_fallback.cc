// On non-x86 machines the AVX entry points exist only to satisfy the linker; they are never selected
// (the addon picks them only after a CPUID check), and forward to the baseline kernel.
#include "gemm_isa.h"

#define BPW_CAT2(a, b) a##b
#define BPW_CAT(a, b) BPW_CAT2(a, b)

extern "C" void BPW_CAT(bpw_sgemm_, BPW_FALLBACK_ISA)(const bpw_gemm_args* g, const float* a, const float* b, float* c, float alpha,
                                                    const bpw_runtime* rt) {
  bpw_sgemm_base(g, a, b, c, alpha, rt);
}

extern "C" void BPW_CAT(bpw_dgemm_, BPW_FALLBACK_ISA)(const bpw_gemm_args* g, const double* a, const double* b, double* c, double alpha,
                                                    const bpw_runtime* rt) {
  bpw_dgemm_base(g, a, b, c, alpha, rt);
}

extern "C" void BPW_CAT(bpw_sspmm_, BPW_FALLBACK_ISA)(const bpw_sparse_args* s, float scale, const float* in, float* out, int transposed,
                                                    const bpw_runtime* rt) {
  bpw_sspmm_base(s, scale, in, out, transposed, rt);
}

extern "C" void BPW_CAT(bpw_dspmm_, BPW_FALLBACK_ISA)(const bpw_sparse_args* s, double scale, const double* in, double* out, int transposed,
                                                    const bpw_runtime* rt) {
  bpw_dspmm_base(s, scale, in, out, transposed, rt);
}
