// The sparse-input exports: the first Affine layer's x W and x^T dout for a batch of images stored as their
// nonzero pixels (see sparse_isa.inc), and a cache prefetch of a coming batch.
#include <algorithm>
#include <string>

#include "exports.h"
#include "portable.h"
#include "runtime.h"

namespace bpw {

// sparseMatmul / sparseMatmulTransposed(rowStart, columns, values, rowLength, indices, scale, in, n, out).
SparseCall sparse_call(Args& args, bool transposed) {
  const Ints<int32_t> row_start = args.int32s(0, "rowStart");
  const Ints<uint16_t> columns = args.uint16s(1, "columns");
  const Ints<uint8_t> values = args.uint8s(2, "values");
  const int64_t row_length = args.dim(3, "rowLength");
  const Ints<int32_t> indices = args.int32s(4, "indices");
  const double scale = args.number(5, "scale");
  const Floats in = args.floats(6, transposed ? "dout" : "W");
  const int64_t n = args.dim(7, "n");
  const Floats out = args.floats(8, "out");
  const int64_t batch = static_cast<int64_t>(indices.length);
  if (transposed) {
    args.need(in, batch * n, "dout " + shape(batch, n));
    args.need(out, row_length * n, "out " + shape(row_length, n));
  } else {
    args.need(in, row_length * n, "W " + shape(row_length, n));
    args.need(out, batch * n, "out " + shape(batch, n));
  }
  args.no_overlap(in.data, in.bytes(), out.data, out.bytes(), "out must not overlap its input");
  // The encoding and the indices are checked before the kernel runs: out must not be able to change them.
  const std::string message = "out must not overlap rowStart, columns, values or indices";
  args.no_overlap(out.data, out.bytes(), row_start.data, row_start.bytes(), message);
  args.no_overlap(out.data, out.bytes(), columns.data, columns.bytes(), message);
  args.no_overlap(out.data, out.bytes(), values.data, values.bytes(), message);
  args.no_overlap(out.data, out.bytes(), indices.data, indices.bytes(), message);
  if (row_start.length < 1) args.range_error("rowStart needs at least 1 value (images + 1)");
  if (values.length < columns.length) {
    args.range_error("values has " + std::to_string(values.length) + " entries but columns has " + std::to_string(columns.length));
  }
  // Every pixel this batch reads is checked before any kernel runs, so a damaged encoding cannot reach
  // memory outside W or out.
  const int64_t images = static_cast<int64_t>(row_start.length) - 1;
  const int64_t stored = static_cast<int64_t>(columns.length);
  for (int64_t r = 0; r < batch; ++r) {
    const int64_t i = indices.data[r];
    if (i < 0 || i >= images) args.range_error("index " + std::to_string(i) + " at position " + std::to_string(r) + " is outside [0, " + std::to_string(images) + ")");
    const int64_t b = row_start.data[i], e = row_start.data[i + 1];
    if (b < 0 || e < b || e > stored) {
      args.range_error("image " + std::to_string(i) + " spans pixels [" + std::to_string(b) + ", " + std::to_string(e) + ") outside the " + std::to_string(stored) +
                       " stored");
    }
  }
  return SparseCall{bpw_sparse_args{row_start.data, columns.data, values.data, indices.data, batch, n, row_length}, scale, in, out};
}

std::string check_columns(const char* fn, const bpw_sparse_args& a) {
  for (int64_t r = 0; r < a.rows; ++r) {
    const int64_t i = a.indices[r];
    uint16_t widest = 0;
    for (int32_t j = a.row_start[i]; j < a.row_start[i + 1]; ++j) widest = a.columns[j] > widest ? a.columns[j] : widest;
    if (a.row_start[i + 1] > a.row_start[i] && widest >= a.row_length) {
      return std::string(fn) + ": image " + std::to_string(i) + " has pixel column " + std::to_string(widest) + " outside rowLength " + std::to_string(a.row_length);
    }
  }
  return "";
}

void run_sparse(const SparseCall& c, bool transposed, const bpw_runtime* r) {
  if (c.out.f64) kernels().dspmm(&c.args, c.scale, c.in.as<double>(), c.out.as<double>(), transposed, r);
  else kernels().sspmm(&c.args, static_cast<float>(c.scale), c.in.as<float>(), c.out.as<float>(), transposed, r);
}

namespace {

Napi::Value sparse_product(const Napi::CallbackInfo& info, bool transposed) {
  const char* fn = transposed ? "sparseMatmulTransposed" : "sparseMatmul";
  Args args(info, fn, 9);
  const SparseCall call = sparse_call(args, transposed);
  const std::string error = check_columns(fn, call.args);
  if (!error.empty()) throw Napi::RangeError::New(info.Env(), error);
  const bpw_runtime r = Runtime::of(info.Env()).kernel_runtime();
  run_sparse(call, transposed, &r);
  return info.Env().Undefined();
}

}  // namespace

Napi::Value SparseMatmul(const Napi::CallbackInfo& info) { return sparse_product(info, false); }
Napi::Value SparseMatmulTransposed(const Napi::CallbackInfo& info) { return sparse_product(info, true); }

// A hint: starts fetching a coming batch's pixels into the caches (L2) while the caller still works on the
// current one. Only the indices are checked; row ranges are clamped to the stored pixels, so it never faults.
Napi::Value PrefetchSparseRows(const Napi::CallbackInfo& info) {
  Args args(info, "prefetchSparseRows", 4);
  const Ints<int32_t> row_start = args.int32s(0, "rowStart");
  const Ints<uint16_t> columns = args.uint16s(1, "columns");
  const Ints<uint8_t> values = args.uint8s(2, "values");
  const Ints<int32_t> indices = args.int32s(3, "indices");
  const int64_t images = static_cast<int64_t>(row_start.length) - 1;
  const int64_t stored = static_cast<int64_t>(std::min(columns.length, values.length));
  for (std::size_t r = 0; r < indices.length; ++r) {
    const int64_t i = indices.data[r];
    if (i < 0 || i >= images) args.range_error("index " + std::to_string(i) + " at position " + std::to_string(r) + " is outside [0, " + std::to_string(images) + ")");
    const int64_t b = std::max<int64_t>(0, row_start.data[i]);
    const int64_t e = std::min<int64_t>(stored, row_start.data[i + 1]);
    for (int64_t j = b; j < e; j += 32) BPW_PREFETCH(columns.data + j);
    for (int64_t j = b; j < e; j += 64) BPW_PREFETCH(values.data + j);
    if (e > b) {
      BPW_PREFETCH(columns.data + e - 1);
      BPW_PREFETCH(values.data + e - 1);
    }
  }
  return info.Env().Undefined();
}

}  // namespace bpw
