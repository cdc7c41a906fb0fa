// Baseline build of the GEMM and sparse-input kernels: 16-byte vectors (SSE2 on any x86-64, NEON on ARM,
// scalar elsewhere). A compiler without GCC-style vector extensions (MSVC) gets the portable kernels.
#include "portable.h"

#if BPW_VECTOR_EXT
#define BPW_ISA base
#define BPW_VBYTES 16
#define BPW_NR_F32 6
#define BPW_NR_F64 6
#define BPW_SPARSE_NV 7
#include "gemm_isa.inc"
#include "sparse_isa.inc"
#define BPW_CONV_ISA base
#include "conv_isa.inc"
#else
#define BPW_FALLBACK_ISA base
#include "gemm_fallback.inc"
#endif
