// The addon's threads: a pool of workers for the kernels that split one call across cores, and one
// background thread for work that overlaps the caller. Idle threads sleep on a condition variable (they
// never spin), and an exception thrown by a task or a job is carried back to the thread that waits for it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "gemm_isa.h"

namespace bpw {

// Per-worker scratch buffers, 64-byte aligned, grown on demand (the GEMM's packed panels).
class Scratch {
 public:
  Scratch() = default;
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  /** Makes room for `workers` buffers; never called while a job runs. */
  void reserve(int workers);
  /** The buffer of `worker`, at least `bytes` long; throws std::bad_alloc when memory runs out. */
  void* get(int worker, std::size_t bytes);

 private:
  struct Buffer {
    void* data = nullptr;
    std::size_t size = 0;
  };
  std::vector<Buffer> buffers_;
};

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return threads_; }
  /** Changes the number of threads (joins or starts workers); never called during a job. */
  void resize(int threads);
  /** Runs fn(ctx, task, worker) for task in [0, tasks) on up to `threads` threads (the caller is worker 0)
   *  and returns when all are done. The first exception a task throws stops the tasks not yet started and
   *  is rethrown here, on the caller. */
  void parallel_for(int64_t tasks, int threads, bpw_task_fn fn, void* ctx);
  void* scratch(int worker, std::size_t bytes) { return scratch_.get(worker, bytes); }
  /** For tests: the next parallel_for leaves every task to the workers, and its first task throws
   *  std::bad_alloc, as an allocation on a worker would. */
  void fail_next_job_for_tests() { fail_next_.store(true); }

 private:
  void start_workers(int count);
  void stop_workers();
  void worker_loop(int worker, std::uint64_t seen);
  void run_tasks(int worker) noexcept;

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;  // workers: a new job (generation_) or stopping_
  std::condition_variable done_;  // the caller: active_ reached 0
  // Guarded by mutex_.
  std::uint64_t generation_ = 0;
  bool stopping_ = false;
  int active_ = 0;
  std::exception_ptr error_;
  // The current job: written by the caller before generation_ changes, read by workers after.
  std::atomic<int64_t> next_task_{0};
  int64_t tasks_ = 0;
  int job_threads_ = 1;
  bpw_task_fn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::atomic<bool> fail_next_{false};
  bool failing_ = false;
  Scratch scratch_;
};

// One long-lived thread that runs posted jobs in order, for work overlapped with the caller: an evaluation's
// first-layer products computed on a weight snapshot while the training loop goes on. Started on first use.
// A job must not throw (queue_job in background.cc wraps each one); one that does is dropped, not fatal.
class BackgroundThread {
 public:
  BackgroundThread() = default;
  ~BackgroundThread() { stop(); }
  BackgroundThread(const BackgroundThread&) = delete;
  BackgroundThread& operator=(const BackgroundThread&) = delete;

  /** Queues `job`; returns its ticket (1, 2, ...), done once completed() reaches it. */
  std::uint64_t post(std::function<void()> job);
  std::uint64_t completed() const { return completed_.load(std::memory_order_acquire); }
  std::uint64_t posted();
  /** Blocks until the job with this ticket (and every earlier one) has run. */
  void wait(std::uint64_t ticket);
  /** Lets the running job finish, drops the queued ones and joins the thread (environment teardown). */
  void stop();

 private:
  void loop();

  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable work_;
  std::condition_variable done_;
  std::deque<std::function<void()>> jobs_;
  std::uint64_t posted_ = 0;
  std::atomic<std::uint64_t> completed_{0};
  bool stopping_ = false;
};

}  // namespace bpw
