// The WebAssembly build of the GEMM and sparse-input kernels: 16-byte vectors, which clang maps to SIMD128
// (-msimd128). The tile sizes are this target's own (see README, Benchmarks: kernel design).
#include "../src/portable.h"

#define BPW_ISA wasm
#ifndef BPW_NR_F32
#define BPW_NR_F32 12
#endif
#ifndef BPW_NR_F64
#define BPW_NR_F64 6
#endif
#define BPW_VBYTES 16
#define BPW_SPARSE_NV 7
#include "../src/gemm_isa.inc"
#include "../src/sparse_isa.inc"
