// The addon's state. The kernels of the CPU's instruction set are chosen once per process; everything with
// threads or JS references lives in one Runtime per Node environment (main thread, each worker_thread, each
// Electron reload), created at module load as the environment's instance data and shut down by its cleanup
// hook, so no thread outlives the environment whose arrays it writes.
#pragma once

#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gemm_isa.h"
#include "thread_pool.h"

namespace bpw {

struct Kernels {
  bpw_sgemm_fn sgemm;
  bpw_dgemm_fn dgemm;
  bpw_sspmm_fn sspmm;
  bpw_dspmm_fn dspmm;
  bpw_sconv_fn sconv;
  bpw_dconv_fn dconv;
  /** avx512, avx2, sse2, generic (the baseline vectors off x86) or portable. */
  const char* isa;
};

/** The fastest kernels this CPU and build have, or those BACKPROP_ISA asks for (never a higher one). */
const Kernels& kernels();

/** How a background job ended: ok, an invalid input (a RangeError in JS) or a failure (an Error). */
struct JobResult {
  enum Kind { kOk, kRangeError, kError } kind = kOk;
  std::string message;
};

class Runtime {
 public:
  Runtime();
  ~Runtime() { shutdown(); }
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  static Runtime& of(Napi::Env env);

  /** The pool as the ISA kernels see it. */
  bpw_runtime kernel_runtime();
  /** One thread, scratch of the background thread: for jobs that run there. */
  bpw_runtime background_runtime();
  ThreadPool& pool() { return *pool_; }
  int hardware_threads() const { return hardware_threads_; }
  /** Stops the background thread and the workers (environment teardown); idempotent. */
  void shutdown();

  BackgroundThread background;
  /** The rows a dense background job gathers, reused from job to job (background thread only). */
  std::vector<double> background_rows;
  /** The JS arrays each queued job reads or writes, held until JS learns the job is done. */
  struct Held {
    std::uint64_t ticket;
    std::vector<napi_ref> arrays;
    std::shared_ptr<JobResult> result;
  };
  std::vector<Held> held;
  /** For tests: the next queued job fails as if it ran out of memory. */
  bool fail_next_background_job = false;

 private:
  std::unique_ptr<ThreadPool> pool_;
  Scratch background_scratch_;
  int hardware_threads_ = 1;
};

/** Below this many flops (every GEMM of a training step) a product stays on one thread. */
double parallel_min_flops();

}  // namespace bpw
