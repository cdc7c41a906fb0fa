// The WebAssembly build of the GEMM, sparse-input and direct convolution kernels: 16-byte vectors, which clang maps to SIMD128
// (-msimd128). The tile sizes are this target's own (see README, Benchmarks: kernel design).
#include "../src/portable.h"

#define BPW_ISA wasm
#define BPW_NR_F32 12
#define BPW_NR_F64 6
#define BPW_VBYTES 16
// One pixel at a time into one set of 7 accumulators: SIMD128 has no FMA to hide and V8 gives it 16
// vector registers, and two sets spilled (100 MNIST rows x W 784x50: 155 -> 113 us forward).
#define BPW_SPARSE_NV 7
#define BPW_SPARSE_PAIRS 0
// No prefetch instruction: a minibatch's pixel lists are read once ahead instead (100 cold MNIST rows x W
// 784x50: 180 -> 152 us).
#define BPW_SPARSE_TOUCH 1
#include "../src/gemm_isa.inc"
#include "../src/sparse_isa.inc"
// The direct convolution's filters in the generic loop only: the loops unrolled per vector count made the
// module 289 KB instead of 196 KB.
#define BPW_CONV_FIXED_VECTORS 0
#define BPW_CONV_ISA wasm
#include "../src/conv_isa.inc"
