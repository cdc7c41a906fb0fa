// Background jobs: kernels queued on the addon's background thread while the caller goes on. The caller
// promises not to touch the arrays until backgroundDone says the job is done; references keep them from
// being collected meanwhile. Jobs run in order, on one thread, outside the pool (the caller's own kernels
// keep the pool). A job's error (invalid input found on the background thread, or a failure such as running
// out of memory) is thrown by the backgroundDone/backgroundWait call that learns the job is done.
#include <algorithm>
#include <new>
#include <string>

#include "elementwise.h"
#include "exports.h"
#include "runtime.h"

namespace bpw {

namespace {

[[noreturn]] void throw_result(Napi::Env env, const JobResult& result) {
  if (result.kind == JobResult::kRangeError) throw Napi::RangeError::New(env, result.message);
  throw Napi::Error::New(env, result.message);
}

// Releases the arrays of the finished jobs; throws the error of one that failed (after releasing them all).
void release_done(Napi::Env env, Runtime& rt) {
  const std::uint64_t done = rt.background.completed();
  auto finished = [&](const Runtime::Held& h) { return h.ticket <= done; };
  const JobResult* failure = nullptr;
  JobResult first;
  for (const Runtime::Held& h : rt.held) {
    if (!finished(h)) continue;
    if (h.result->kind != JobResult::kOk && !failure) {
      first = *h.result;
      failure = &first;
    }
    for (napi_ref ref : h.arrays) napi_delete_reference(env, ref);
  }
  rt.held.erase(std::remove_if(rt.held.begin(), rt.held.end(), finished), rt.held.end());
  if (failure) throw_result(env, first);
}

// Queues job(result) on the background thread, holding the call's array arguments `arrays` until JS learns
// the job is done; returns its ticket. A job that finds its input invalid sets `result` and writes nothing;
// an exception it throws becomes its result too.
template <typename Job>
Napi::Value queue_job(const Napi::CallbackInfo& info, const char* fn, std::initializer_list<int> arrays, Job job) {
  Napi::Env env = info.Env();
  Runtime& rt = Runtime::of(env);
  release_done(env, rt);
  Runtime::Held held{0, {}, std::make_shared<JobResult>()};
  for (int k : arrays) {
    napi_ref ref = nullptr;
    NAPI_THROW_IF_FAILED(env, napi_create_reference(env, info[k], 1, &ref), Napi::Value());
    held.arrays.push_back(ref);
  }
  const bool fail = rt.fail_next_background_job;
  rt.fail_next_background_job = false;
  const std::shared_ptr<JobResult> result = held.result;
  const std::string name = fn;
  held.ticket = rt.background.post([job, result, fail, name]() mutable {
    try {
      if (fail) throw std::bad_alloc();
      job(*result);
    } catch (const std::bad_alloc&) {
      *result = JobResult{JobResult::kError, name + ": out of memory on the background thread"};
    } catch (const std::exception& e) {
      *result = JobResult{JobResult::kError, name + ": " + e.what()};
    } catch (...) {
      *result = JobResult{JobResult::kError, name + ": the background job failed"};
    }
  });
  const std::uint64_t ticket = held.ticket;
  rt.held.push_back(std::move(held));
  return Napi::Number::New(env, static_cast<double>(ticket));
}

std::uint64_t ticket_arg(const Napi::CallbackInfo& info, const char* fn) {
  Args args(info, fn, 1);
  const int64_t ticket = args.dim(0, "ticket");
  const std::uint64_t posted = Runtime::of(info.Env()).background.posted();
  if (ticket < 1 || static_cast<std::uint64_t>(ticket) > posted) {
    args.range_error("ticket " + std::to_string(ticket) + " was never issued (" + std::to_string(posted) + " jobs so far)");
  }
  return static_cast<std::uint64_t>(ticket);
}

}  // namespace

Napi::Value SparseMatmulAsync(const Napi::CallbackInfo& info) {
  Args args(info, "sparseMatmulAsync", 9);
  const SparseCall call = sparse_call(args, false);
  Runtime& rt = Runtime::of(info.Env());
  Runtime* runtime = &rt;
  // The pixel-column check reads every pixel of the batch: it runs on the background thread too, before the
  // product (on the caller's thread it cost ~0.35 ms per 2000-image evaluation chunk).
  return queue_job(info, "sparseMatmulAsync", {0, 1, 2, 4, 6, 8}, [call, runtime](JobResult& result) {
    const std::string error = check_columns("sparseMatmulAsync", call.args);
    if (!error.empty()) {
      result = JobResult{JobResult::kRangeError, error};
      return;
    }
    const bpw_runtime single = runtime->background_runtime();
    run_sparse(call, false, &single);
  });
}

// gatherMatmulAsync(src, rowLength, indices, scale, W, n, out): out = gatherRows(src, indices) x W, the dense
// first layer of an evaluation chunk, queued like sparseMatmulAsync.
Napi::Value GatherMatmulAsync(const Napi::CallbackInfo& info) {
  Args args(info, "gatherMatmulAsync", 7);
  const GatherCall g = gather_call(args);
  const Floats w = args.floats(4, "W");
  const int64_t n = args.dim(5, "n");
  const Floats out = args.floats(6, "out");
  args.need(w, g.row_length * n, "W " + shape(g.row_length, n));
  args.need(out, g.rows * n, "out " + shape(g.rows, n));
  check_gather_out(args, g, out);
  args.no_overlap(w.data, w.bytes(), out.data, out.bytes(), "out must not overlap W");
  Runtime* runtime = &Runtime::of(info.Env());
  return queue_job(info, "gatherMatmulAsync", {0, 2, 4, 6}, [g, w, n, out, runtime](JobResult&) {
    // Room for rows x rowLength values of either dtype (the buffer is reused from job to job).
    const std::size_t values = static_cast<std::size_t>(g.rows) * static_cast<std::size_t>(g.row_length);
    if (runtime->background_rows.size() < values) runtime->background_rows.resize(values);
    void* x = runtime->background_rows.data();
    const bpw_runtime single = runtime->background_runtime();
    const bpw_gemm_args product{g.rows, n, g.row_length, g.row_length, 1, n, 1, n, 1};
    with_dtype(out.f64, [&](auto zero) {
      using T = decltype(zero);
      gather_rows<T>(g.src, g.row_length, g.indices, g.rows, static_cast<T>(g.scale), static_cast<T*>(x));
      scale_matrix(out.as<T>(), g.rows * n, T(0));
      if (g.rows == 0 || n == 0 || g.row_length == 0) return;
      if constexpr (sizeof(T) == 8) kernels().dgemm(&product, static_cast<const T*>(x), w.as<T>(), out.as<T>(), T(1), &single);
      else kernels().sgemm(&product, static_cast<const T*>(x), w.as<T>(), out.as<T>(), T(1), &single);
    });
  });
}

Napi::Value BackgroundDone(const Napi::CallbackInfo& info) {
  const std::uint64_t ticket = ticket_arg(info, "backgroundDone");
  Runtime& rt = Runtime::of(info.Env());
  const bool done = rt.background.completed() >= ticket;
  if (done) release_done(info.Env(), rt);
  return Napi::Boolean::New(info.Env(), done);
}

Napi::Value BackgroundWait(const Napi::CallbackInfo& info) {
  const std::uint64_t ticket = ticket_arg(info, "backgroundWait");
  Runtime& rt = Runtime::of(info.Env());
  rt.background.wait(ticket);
  release_done(info.Env(), rt);
  return info.Env().Undefined();
}

}  // namespace bpw
