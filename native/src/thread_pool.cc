#include "thread_pool.h"

#include <new>

namespace bpw {

Scratch::~Scratch() {
  for (Buffer& b : buffers_) ::operator delete(b.data, std::align_val_t(64));
}

void Scratch::reserve(int workers) {
  if (static_cast<int>(buffers_.size()) < workers) buffers_.resize(static_cast<std::size_t>(workers));
}

void* Scratch::get(int worker, std::size_t bytes) {
  Buffer& b = buffers_[static_cast<std::size_t>(worker)];
  if (b.size < bytes) {
    ::operator delete(b.data, std::align_val_t(64));
    b.data = nullptr;
    b.size = 0;
    // Aligned operator new (C++17) is the one aligned allocation that MSVC, mingw-w64 and POSIX all have.
    const std::size_t rounded = (bytes + 63) / 64 * 64;
    b.data = ::operator new(rounded, std::align_val_t(64));
    b.size = rounded;
  }
  return b.data;
}

ThreadPool::ThreadPool(int threads) { resize(threads); }

ThreadPool::~ThreadPool() { stop_workers(); }

void ThreadPool::resize(int threads) {
  if (threads < 1) threads = 1;
  stop_workers();
  threads_ = threads;
  scratch_.reserve(threads);
  start_workers(threads - 1);
}

void ThreadPool::start_workers(int count) {
  std::uint64_t start;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = false;
    // Read here, not in the new thread: a job posted before the thread first runs must count as new to it.
    start = generation_;
  }
  for (int i = 0; i < count; ++i) workers_.emplace_back([this, i, start] { worker_loop(i + 1, start); });
}

void ThreadPool::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

void ThreadPool::run_tasks(int worker) noexcept {
  for (;;) {
    const int64_t task = next_task_.fetch_add(1, std::memory_order_relaxed);
    if (task >= tasks_) return;
    try {
      if (failing_ && task == 0) throw std::bad_alloc();
      fn_(ctx_, task, worker);
    } catch (...) {
      // Tasks not yet claimed are skipped; the first error is the one reported.
      next_task_.store(tasks_, std::memory_order_relaxed);
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }
}

void ThreadPool::worker_loop(int worker, std::uint64_t seen) {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
    if (stopping_) return;
    seen = generation_;
    if (worker >= job_threads_) continue;
    lock.unlock();
    run_tasks(worker);
    lock.lock();
    if (--active_ == 0) done_.notify_one();
  }
}

void ThreadPool::parallel_for(int64_t tasks, int threads, bpw_task_fn fn, void* ctx) {
  if (threads > threads_) threads = threads_;
  const bool fail = fail_next_.exchange(false);
  if (!fail && (threads <= 1 || tasks <= 1)) {
    for (int64_t t = 0; t < tasks; ++t) fn(ctx, t, 0);
    return;
  }
  if (threads < 2) threads = threads_ < 2 ? 1 : 2;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fn_ = fn;
    ctx_ = ctx;
    tasks_ = tasks;
    job_threads_ = threads;
    failing_ = fail;
    error_ = nullptr;
    next_task_.store(0, std::memory_order_relaxed);
    active_ = threads - 1;
    ++generation_;
  }
  wake_.notify_all();
  // The test hook leaves the tasks to the workers, so its failure is certain to happen on one of them.
  if (!fail || threads == 1) run_tasks(0);
  std::exception_ptr error;
  {
    // Workers still read ctx (on the caller's stack): wait for all of them, even after a failure.
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return active_ == 0; });
    error = error_;
    error_ = nullptr;
    failing_ = false;
  }
  if (error) std::rethrow_exception(error);
}

std::uint64_t BackgroundThread::post(std::function<void()> job) {
  std::uint64_t ticket;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
    jobs_.push_back(std::move(job));
    ticket = ++posted_;
  }
  work_.notify_one();
  return ticket;
}

std::uint64_t BackgroundThread::posted() {
  std::lock_guard<std::mutex> lock(mutex_);
  return posted_;
}

void BackgroundThread::wait(std::uint64_t ticket) {
  if (completed() >= ticket) return;
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return completed() >= ticket || stopping_; });
}

void BackgroundThread::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    jobs_.clear();
  }
  work_.notify_all();
  done_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackgroundThread::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (stopping_) return;
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    try {
      job();
    } catch (...) {
      // Jobs report their own errors; this only keeps a stray exception from ending the process.
    }
    lock.lock();
    completed_.fetch_add(1, std::memory_order_release);
    done_.notify_all();
  }
}

}  // namespace bpw
