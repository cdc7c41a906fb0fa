// The uint8 minibatch gather (out = src[indices] * scale) and the argument checks the gathering exports share
// (gatherRows here, gatherMatmulAsync in background.cc).
#include <algorithm>
#include <string>

#include "elementwise.h"
#include "exports.h"
#include "runtime.h"

namespace bpw {

GatherCall gather_call(Args& args) {
  GatherCall g{};
  const Ints<uint8_t> src = args.uint8s(0, "src");
  g.src = src.data;
  g.src_length = src.length;
  g.row_length = args.dim(1, "rowLength");
  const Ints<int32_t> indices = args.int32s(2, "indices");
  g.indices = indices.data;
  g.rows = static_cast<int64_t>(indices.length);
  g.scale = args.number(3, "scale");
  const int64_t available = g.row_length == 0 ? 2147483647 : static_cast<int64_t>(g.src_length) / g.row_length;
  for (int64_t r = 0; r < g.rows; ++r) {
    if (g.indices[r] < 0 || g.indices[r] >= available) {
      args.range_error("index " + std::to_string(g.indices[r]) + " at position " + std::to_string(r) + " is outside [0, " + std::to_string(available) + ")");
    }
  }
  return g;
}

void check_gather_out(const Args& args, const GatherCall& g, const Floats& out) {
  // The indices were checked before any row is written: out must not be able to change them, nor src.
  const std::string message = "out must not overlap src or indices";
  args.no_overlap(out.data, out.bytes(), g.src, g.src_length, message);
  args.no_overlap(out.data, out.bytes(), g.indices, static_cast<std::size_t>(g.rows) * 4, message);
}

namespace {

template <typename T>
struct GatherTask {
  const GatherCall* g;
  T scale;
  T* out;
  int64_t chunk;
  static void run(void* ctx, int64_t task, int) {
    const GatherTask& k = *static_cast<const GatherTask*>(ctx);
    const int64_t begin = task * k.chunk;
    const int64_t count = std::min(k.chunk, k.g->rows - begin);
    gather_rows(k.g->src, k.g->row_length, k.g->indices + begin, count, k.scale, k.out + begin * k.g->row_length);
  }
};

}  // namespace

Napi::Value GatherRows(const Napi::CallbackInfo& info) {
  Args args(info, "gatherRows", 5);
  const GatherCall g = gather_call(args);
  const Floats out = args.floats(4, "out");
  args.need(out, g.rows * g.row_length, "out " + shape(g.rows, g.row_length));
  check_gather_out(args, g, out);
  // Evaluation gathers tens of thousands of rows: they are split across the pool; a minibatch stays inline.
  ThreadPool& pool = Runtime::of(info.Env()).pool();
  with_dtype(out.f64, [&](auto zero) {
    using T = decltype(zero);
    GatherTask<T> task{&g, static_cast<T>(g.scale), out.as<T>(), 512};
    pool.parallel_for((g.rows + task.chunk - 1) / task.chunk, pool.threads(), &GatherTask<T>::run, &task);
  });
  return info.Env().Undefined();
}

}  // namespace bpw
