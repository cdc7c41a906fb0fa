// The AVX2 entry points on a machine that is not x86 (see gemm_fallback.inc).
#define BPW_FALLBACK_ISA avx2
#include "gemm_fallback.inc"
