#include "thread_pool.h"

#include <chrono>
#include <cstdlib>
#include <new>

#ifndef BPW_SPIN_US
#define BPW_SPIN_US 200
#endif

namespace {
// How long an idle worker keeps spinning for the next job before it sleeps.
constexpr auto kSpin = std::chrono::microseconds(BPW_SPIN_US);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}
}  // namespace

ThreadPool::ThreadPool(int threads) { resize(threads); }

ThreadPool::~ThreadPool() {
  stop_workers();
  for (auto& s : scratch_) std::free(s.data);
}

void ThreadPool::resize(int threads) {
  if (threads < 1) threads = 1;
  stop_workers();
  threads_ = threads;
  if (static_cast<int>(scratch_.size()) < threads) scratch_.resize(threads);
  start_workers(threads - 1);
}

void ThreadPool::start_workers(int count) {
  stopping_.store(false);
  // The generation is read here, not in the new thread: a job posted before the thread first runs must
  // still count as new to it.
  const unsigned long start = generation_.load();
  for (int i = 0; i < count; ++i) workers_.emplace_back([this, i, start] { worker_loop(i + 1, start); });
}

void ThreadPool::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void* ThreadPool::scratch(int worker, std::size_t bytes) {
  Scratch& s = scratch_[worker];
  if (s.size < bytes) {
    std::free(s.data);
    const std::size_t rounded = (bytes + 63) / 64 * 64;
    s.data = std::aligned_alloc(64, rounded);
    if (!s.data) throw std::bad_alloc();
    s.size = rounded;
  }
  return s.data;
}

void ThreadPool::run_tasks(int worker) {
  for (;;) {
    const long task = next_task_.fetch_add(1, std::memory_order_relaxed);
    if (task >= tasks_) break;
    fn_(ctx_, task, worker);
  }
}

void ThreadPool::worker_loop(int worker, unsigned long seen) {
  for (;;) {
    // Spin a little: back-to-back GEMM calls then start without a futex wake-up.
    const auto until = std::chrono::steady_clock::now() + kSpin;
    while (generation_.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() < until) cpu_relax();
    if (generation_.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load() != seen; });
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stopping_.load()) return;
    if (worker < job_threads_) {
      run_tasks(worker);
      active_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }
}

void ThreadPool::parallel_for(long tasks, int threads, bpw_task_fn fn, void* ctx) {
  if (threads > threads_) threads = threads_;
  if (threads <= 1 || tasks <= 1) {
    for (long t = 0; t < tasks; ++t) fn(ctx, t, 0);
    return;
  }
  fn_ = fn;
  ctx_ = ctx;
  tasks_ = tasks;
  job_threads_ = threads;
  next_task_.store(0, std::memory_order_relaxed);
  active_.store(threads - 1, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  run_tasks(0);
  while (active_.load(std::memory_order_acquire) != 0) cpu_relax();
}

BackgroundThread::~BackgroundThread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  if (thread_.joinable()) thread_.join();
}

unsigned long BackgroundThread::post(std::function<void()> job) {
  unsigned long ticket;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
    jobs_.push_back(std::move(job));
    ticket = ++posted_;
  }
  work_.notify_one();
  return ticket;
}

unsigned long BackgroundThread::posted() {
  std::lock_guard<std::mutex> lock(mutex_);
  return posted_;
}

void BackgroundThread::wait(unsigned long ticket) {
  if (completed() >= ticket) return;
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return completed() >= ticket; });
}

void BackgroundThread::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
    completed_.fetch_add(1, std::memory_order_release);
    done_.notify_all();
  }
}
