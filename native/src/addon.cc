// Node-API entry of the native backend: registers the exports (each has the name and signature of a method of
// the engine's Backend interface, src-engine/backend.ts) and gives every Node environment its own Runtime.
// Every export runs inside `guarded`, so a C++ exception — from the caller's thread, a pool worker or the
// background thread (carried back by the pool and the job results) — reaches JavaScript as an Error instead
// of ending the process.
#include <napi.h>

#include <new>
#include <string>

#include "exports.h"
#include "runtime.h"

namespace bpw {

namespace {

using Export = Napi::Value (*)(const Napi::CallbackInfo&);

template <Export F>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  const char* fn = static_cast<const char*>(info.Data());
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(info.Env(), std::string(fn) + ": out of memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string(fn) + ": " + e.what());
  }
}

template <Export F>
void add(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New(env, guarded<F>, name, const_cast<char*>(name)));
}

// The environment's cleanup hook, run before it frees its objects (no job may still be writing into an
// array then). It owns the Runtime: the instance data has no finalizer of its own.
void cleanup(void* data) {
  Runtime* runtime = static_cast<Runtime*>(data);
  runtime->shutdown();
  delete runtime;
}

}  // namespace

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Args args(info, "setThreads", 1);
  const int64_t n = args.dim(0, "threads");
  if (n < 1 || n > 256) args.range_error("threads must be in 1..256, got " + std::to_string(n));
  Runtime::of(info.Env()).pool().resize(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Runtime& rt = Runtime::of(info.Env());
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("isa", kernels().isa);
  o.Set("threads", rt.pool().threads());
  o.Set("hardwareThreads", rt.hardware_threads());
  return o;
}

// injectFailureForTests('worker' | 'background'): the next parallel kernel fails on a pool worker, or the
// next queued job on the background thread, with std::bad_alloc, as a real allocation failure would.
Napi::Value InjectFailureForTests(const Napi::CallbackInfo& info) {
  Args args(info, "injectFailureForTests", 1);
  const std::string where = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  Runtime& rt = Runtime::of(info.Env());
  if (where == "worker") rt.pool().fail_next_job_for_tests();
  else if (where == "background") rt.fail_next_background_job = true;
  else args.type_error("where must be 'worker' or 'background'");
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Runtime* runtime = new Runtime;
  NAPI_THROW_IF_FAILED(env, napi_set_instance_data(env, runtime, nullptr, nullptr), exports);
  NAPI_THROW_IF_FAILED(env, napi_add_env_cleanup_hook(env, cleanup, runtime), exports);
  add<Gemm>(env, exports, "gemm");
  add<AddBias>(env, exports, "addBias");
  add<ColSums>(env, exports, "colSums");
  add<ReluForward>(env, exports, "reluForward");
  add<ReluBackward>(env, exports, "reluBackward");
  add<SigmoidForward>(env, exports, "sigmoidForward");
  add<SigmoidBackward>(env, exports, "sigmoidBackward");
  add<SoftmaxRows>(env, exports, "softmaxRows");
  add<SoftmaxCrossEntropy>(env, exports, "softmaxCrossEntropy");
  add<SoftmaxCrossEntropyBackward>(env, exports, "softmaxCrossEntropyBackward");
  add<Axpby>(env, exports, "axpby");
  add<OptimizerStep>(env, exports, "optimizerStep");
  add<BatchNormForward>(env, exports, "batchNormForward");
  add<BatchNormBackward>(env, exports, "batchNormBackward");
  add<SumSquares>(env, exports, "sumSquares");
  add<Mul>(env, exports, "mul");
  add<ArgmaxRows>(env, exports, "argmaxRows");
  add<Im2col>(env, exports, "im2col");
  add<Col2im>(env, exports, "col2im");
  add<MaxPoolForward>(env, exports, "maxPoolForward");
  add<MaxPoolBackward>(env, exports, "maxPoolBackward");
  add<ReluMaxPoolForward>(env, exports, "reluMaxPoolForward");
  add<ReluMaxPoolBackward>(env, exports, "reluMaxPoolBackward");
  add<ConvReluPoolForward>(env, exports, "convReluPoolForward");
  add<ConvReluPoolBackwardFilters>(env, exports, "convReluPoolBackwardFilters");
  add<TransposeBatch>(env, exports, "transposeBatch");
  add<ConvForward>(env, exports, "convForward");
  add<ConvBackwardFilters>(env, exports, "convBackwardFilters");
  add<ConvBackwardInput>(env, exports, "convBackwardInput");
  add<GatherRows>(env, exports, "gatherRows");
  add<SparseMatmul>(env, exports, "sparseMatmul");
  add<SparseMatmulTransposed>(env, exports, "sparseMatmulTransposed");
  add<PrefetchSparseRows>(env, exports, "prefetchSparseRows");
  add<SparseMatmulAsync>(env, exports, "sparseMatmulAsync");
  add<GatherMatmulAsync>(env, exports, "gatherMatmulAsync");
  add<BackgroundDone>(env, exports, "backgroundDone");
  add<BackgroundWait>(env, exports, "backgroundWait");
  add<SetThreads>(env, exports, "setThreads");
  add<Info>(env, exports, "info");
  add<InjectFailureForTests>(env, exports, "injectFailureForTests");
  return exports;
}

}  // namespace bpw

namespace {
Napi::Object Init(Napi::Env env, Napi::Object exports) { return bpw::Init(env, exports); }
}  // namespace

NODE_API_MODULE(backprop_native, Init)
