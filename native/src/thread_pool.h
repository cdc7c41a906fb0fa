// A persistent pool of worker threads for the GEMM: created once, workers spin briefly after each job (the
// training loop calls GEMM back to back) and then sleep on a condition variable. The calling thread always
// takes part, so `threads` = 1 runs everything inline with no synchronisation at all.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "gemm_isa.h"

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return threads_; }
  /** Changes the number of threads (joins or starts workers); never called during a job. */
  void resize(int threads);
  /** Runs fn(ctx, task, worker) for task in [0, tasks) on up to `threads` threads; returns when all are done. */
  void parallel_for(long tasks, int threads, bpw_task_fn fn, void* ctx);
  /** A 64-byte aligned scratch buffer owned by `worker`, grown on demand. */
  void* scratch(int worker, std::size_t bytes);

 private:
  void start_workers(int count);
  void stop_workers();
  void worker_loop(int worker, unsigned long seen);
  void run_tasks(int worker);

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<unsigned long> generation_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<long> next_task_{0};
  std::atomic<int> active_{0};
  long tasks_ = 0;
  int job_threads_ = 1;
  bpw_task_fn fn_ = nullptr;
  void* ctx_ = nullptr;
  struct Scratch {
    void* data = nullptr;
    std::size_t size = 0;
  };
  std::vector<Scratch> scratch_;
};

// One long-lived thread that runs posted jobs in order, for work overlapped with the caller: an evaluation's
// first-layer products computed on a weight snapshot while the training loop goes on. Started on first use.
class BackgroundThread {
 public:
  BackgroundThread() = default;
  ~BackgroundThread();
  BackgroundThread(const BackgroundThread&) = delete;
  BackgroundThread& operator=(const BackgroundThread&) = delete;

  /** Queues `job`; returns its ticket (1, 2, ...), done once completed() reaches it. */
  unsigned long post(std::function<void()> job);
  unsigned long completed() const { return completed_.load(std::memory_order_acquire); }
  unsigned long posted();
  /** Blocks until the job with this ticket (and every earlier one) has run. */
  void wait(unsigned long ticket);

 private:
  void loop();

  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable work_;
  std::condition_variable done_;
  std::deque<std::function<void()>> jobs_;
  unsigned long posted_ = 0;
  std::atomic<unsigned long> completed_{0};
  bool stopping_ = false;
};
