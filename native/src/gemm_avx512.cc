// AVX-512 build of the GEMM and sparse-input kernels (compiled with -mavx512f -mavx512vl -mfma; used only when
// the CPU has them). 32 vector registers: tiles of 16 floats x 24 columns, or 32 x 12 for large products
// (24 accumulators). Compiled only for x86 (binding.gyp).
#include "portable.h"

#if BPW_VECTOR_EXT
#define BPW_ISA avx512
#define BPW_VBYTES 64
#define BPW_NR_F32 24
#define BPW_NR_F64 24
#define BPW_NR_WIDE_F32 12
#define BPW_NR_WIDE_F64 12
#define BPW_MR_VECTORS 2
#define BPW_SPARSE_NV 14
#include "gemm_isa.inc"
#include "sparse_isa.inc"
#define BPW_CONV_ISA avx512
#include "conv_isa.inc"
#else
#define BPW_FALLBACK_ISA avx512
#include "gemm_fallback.inc"
#endif
