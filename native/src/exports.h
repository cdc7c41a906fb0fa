// The functions the addon exports (registered in addon.cc) and the argument checks the gather, sparse and
// background exports share.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "args.h"
#include "gemm_isa.h"

namespace bpw {

// dense.cc
Napi::Value Gemm(const Napi::CallbackInfo& info);
Napi::Value AddBias(const Napi::CallbackInfo& info);
Napi::Value ColSums(const Napi::CallbackInfo& info);
Napi::Value ReluForward(const Napi::CallbackInfo& info);
Napi::Value ReluBackward(const Napi::CallbackInfo& info);
Napi::Value SigmoidForward(const Napi::CallbackInfo& info);
Napi::Value SigmoidBackward(const Napi::CallbackInfo& info);
Napi::Value SoftmaxRows(const Napi::CallbackInfo& info);
Napi::Value SoftmaxCrossEntropy(const Napi::CallbackInfo& info);
Napi::Value SoftmaxCrossEntropyBackward(const Napi::CallbackInfo& info);
Napi::Value Axpby(const Napi::CallbackInfo& info);
Napi::Value OptimizerStep(const Napi::CallbackInfo& info);
Napi::Value BatchNormForward(const Napi::CallbackInfo& info);
Napi::Value BatchNormBackward(const Napi::CallbackInfo& info);
Napi::Value SumSquares(const Napi::CallbackInfo& info);
Napi::Value Mul(const Napi::CallbackInfo& info);
Napi::Value ArgmaxRows(const Napi::CallbackInfo& info);

// conv.cc
Napi::Value Im2col(const Napi::CallbackInfo& info);
Napi::Value Col2im(const Napi::CallbackInfo& info);
Napi::Value MaxPoolForward(const Napi::CallbackInfo& info);
Napi::Value MaxPoolBackward(const Napi::CallbackInfo& info);
Napi::Value ReluMaxPoolForward(const Napi::CallbackInfo& info);
Napi::Value ReluMaxPoolBackward(const Napi::CallbackInfo& info);
Napi::Value ConvReluPoolForward(const Napi::CallbackInfo& info);
Napi::Value ConvReluPoolBackwardFilters(const Napi::CallbackInfo& info);
Napi::Value TransposeBatch(const Napi::CallbackInfo& info);
Napi::Value ConvForward(const Napi::CallbackInfo& info);
Napi::Value ConvBackwardFilters(const Napi::CallbackInfo& info);
Napi::Value ConvBackwardInput(const Napi::CallbackInfo& info);

// gather.cc
Napi::Value GatherRows(const Napi::CallbackInfo& info);

// sparse.cc
Napi::Value SparseMatmul(const Napi::CallbackInfo& info);
Napi::Value SparseMatmulTransposed(const Napi::CallbackInfo& info);
Napi::Value PrefetchSparseRows(const Napi::CallbackInfo& info);

// background.cc
Napi::Value SparseMatmulAsync(const Napi::CallbackInfo& info);
Napi::Value GatherMatmulAsync(const Napi::CallbackInfo& info);
Napi::Value BackgroundDone(const Napi::CallbackInfo& info);
Napi::Value BackgroundWait(const Napi::CallbackInfo& info);

// addon.cc
Napi::Value SetThreads(const Napi::CallbackInfo& info);
Napi::Value Info(const Napi::CallbackInfo& info);
Napi::Value InjectFailureForTests(const Napi::CallbackInfo& info);

/** The rows a gather reads: (src, rowLength, indices, scale) as the first four arguments, every index naming
 *  a whole row of src (rowLength bytes each). */
struct GatherCall {
  const uint8_t* src;
  std::size_t src_length;
  int64_t row_length;
  const int32_t* indices;
  int64_t rows;
  double scale;
};
GatherCall gather_call(Args& args);
/** out must not overlap src or the indices. */
void check_gather_out(const Args& args, const GatherCall& g, const Floats& out);

/** A sparseMatmul-style call (9 arguments), checked completely before any kernel may read its arrays. */
struct SparseCall {
  bpw_sparse_args args;
  double scale;
  Floats in, out;
};
SparseCall sparse_call(Args& args, bool transposed);
/** Every pixel column the batch reads must be < rowLength: an error message naming the first image with one
 *  outside, or "" when all are inside (row ranges were checked by sparse_call). */
std::string check_columns(const char* fn, const bpw_sparse_args& a);
void run_sparse(const SparseCall& c, bool transposed, const bpw_runtime* r);

}  // namespace bpw
