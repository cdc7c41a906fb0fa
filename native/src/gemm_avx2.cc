// AVX2 + FMA build of the GEMM and sparse-input kernels. 16 vector registers: tiles of 8 floats x 12 columns.
// Compiled only for x86 (binding.gyp); selected only after a CPUID check.
#include "portable.h"

#if BPW_VECTOR_EXT
#define BPW_ISA avx2
#define BPW_VBYTES 32
#define BPW_NR_F32 12
#define BPW_NR_F64 12
#define BPW_SPARSE_NV 7
#include "gemm_isa.inc"
#include "sparse_isa.inc"
#define BPW_CONV_ISA avx2
#include "conv_isa.inc"
#else
#define BPW_FALLBACK_ISA avx2
#include "gemm_fallback.inc"
#endif
