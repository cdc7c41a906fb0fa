#include "runtime.h"

#include <cstdlib>
#include <string>
#include <thread>

#include "portable.h"

namespace bpw {

namespace {

// The ISA builds exist only where the compiler has vector extensions (see portable.h); the AVX ones are only
// chosen on x86 after checking the CPU.
Kernels select_kernels() {
  const char* forced = std::getenv("BACKPROP_ISA");
  const std::string want = forced ? forced : "";
  if (want == "portable" || !BPW_VECTOR_EXT) return Kernels{bpw_sgemm_portable, bpw_dgemm_portable, bpw_sspmm_portable, bpw_dspmm_portable, bpw_sconv_portable, bpw_dconv_portable, "portable"};
#if BPW_X86 && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  if (avx512 && (want.empty() || want == "avx512")) return Kernels{bpw_sgemm_avx512, bpw_dgemm_avx512, bpw_sspmm_avx512, bpw_dspmm_avx512, bpw_sconv_avx512, bpw_dconv_avx512, "avx512"};
  if (avx2 && (want.empty() || want == "avx512" || want == "avx2")) return Kernels{bpw_sgemm_avx2, bpw_dgemm_avx2, bpw_sspmm_avx2, bpw_dspmm_avx2, bpw_sconv_avx2, bpw_dconv_avx2, "avx2"};
  return Kernels{bpw_sgemm_base, bpw_dgemm_base, bpw_sspmm_base, bpw_dspmm_base, bpw_sconv_base, bpw_dconv_base, "sse2"};
#else
  return Kernels{bpw_sgemm_base, bpw_dgemm_base, bpw_sspmm_base, bpw_dspmm_base, bpw_sconv_base, bpw_dconv_base, "generic"};
#endif
}

void pool_parallel_for(void* pool, int64_t tasks, int threads, bpw_task_fn fn, void* ctx) {
  static_cast<ThreadPool*>(pool)->parallel_for(tasks, threads, fn, ctx);
}

void* pool_scratch(void* pool, int worker, size_t bytes) { return static_cast<ThreadPool*>(pool)->scratch(worker, bytes); }

void* scratch_get(void* scratch, int worker, size_t bytes) { return static_cast<Scratch*>(scratch)->get(worker, bytes); }

// Never called: background jobs run single-threaded (threads = 1), which the kernels run inline.
void inline_parallel_for(void*, int64_t tasks, int, bpw_task_fn fn, void* ctx) {
  for (int64_t t = 0; t < tasks; ++t) fn(ctx, t, 0);
}

}  // namespace

const Kernels& kernels() {
  static const Kernels k = select_kernels();
  return k;
}

// Below ~30 MFLOP (every GEMM of a training step) a second thread costs more in cache traffic than it saves.
double parallel_min_flops() {
  static const double min_flops = [] {
    const char* env = std::getenv("BACKPROP_PARALLEL_MIN_FLOPS");
    return env ? std::atof(env) : 3.0e7;
  }();
  return min_flops;
}

Runtime::Runtime() {
  const unsigned n = std::thread::hardware_concurrency();
  hardware_threads_ = n == 0 ? 1 : static_cast<int>(n);
  int threads = hardware_threads_;
  if (const char* env = std::getenv("BACKPROP_THREADS")) {
    const int requested = std::atoi(env);
    if (requested >= 1 && requested <= 256) threads = requested;
  }
  pool_ = std::make_unique<ThreadPool>(threads);
  background_scratch_.reserve(1);
}

Runtime& Runtime::of(Napi::Env env) { return *env.GetInstanceData<Runtime>(); }

bpw_runtime Runtime::kernel_runtime() {
  return bpw_runtime{pool_.get(), &pool_parallel_for, pool_->threads(), parallel_min_flops(), &pool_scratch, pool_.get()};
}

bpw_runtime Runtime::background_runtime() {
  return bpw_runtime{nullptr, &inline_parallel_for, 1, parallel_min_flops(), &scratch_get, &background_scratch_};
}

void Runtime::shutdown() {
  background.stop();
  if (pool_) pool_->resize(1);
}

}  // namespace bpw
