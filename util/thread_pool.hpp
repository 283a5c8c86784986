#pragma once
// A small fixed pool for coarse work (reading and chunking files, eval questions). Made once at start and
// passed in. The engine's per-token decode uses its own spin-synchronised workers, not this pool.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hayloft {

class ThreadPool {
 public:
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()); }
  // Queues a task. Tasks must not throw: catch inside and report through your own channel.
  void submit(std::function<void()> task);
  // Blocks until every submitted task has finished.
  void wait_idle();
  // Runs fn(i) for i in [0, n) across the pool and waits; fn must not throw.
  void parallel_for(size_t n, const std::function<void(size_t)>& fn);

 private:
  void worker_loop();
  std::vector<std::thread> workers_;
  std::deque<std::function<void()>> queue_;
  std::mutex mu_;
  std::condition_variable cv_work_;
  std::condition_variable cv_idle_;
  size_t busy_ = 0;
  bool stop_ = false;
};

}  // namespace hayloft
