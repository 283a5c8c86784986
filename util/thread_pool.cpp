#include "util/thread_pool.hpp"

#include <atomic>

namespace hayloft {

ThreadPool::ThreadPool(int n_threads) {
  if (n_threads < 1) n_threads = 1;
  workers_.reserve(static_cast<size_t>(n_threads));
  for (int i = 0; i < n_threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_work_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(task));
  }
  cv_work_.notify_one();
}

void ThreadPool::wait_idle() {
  std::unique_lock lock(mu_);
  cv_idle_.wait(lock, [this] { return queue_.empty() && busy_ == 0; });
}

void ThreadPool::parallel_for(size_t n, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  std::mutex done_mu;
  std::condition_variable done_cv;
  size_t done = 0;
  size_t n_tasks = std::min(n, workers_.size());
  for (size_t t = 0; t < n_tasks; ++t) {
    submit([&] {
      for (size_t i = next++; i < n; i = next++) fn(i);
      std::lock_guard lock(done_mu);
      if (++done == n_tasks) done_cv.notify_all();
    });
  }
  std::unique_lock lock(done_mu);
  done_cv.wait(lock, [&] { return done == n_tasks; });
}

void ThreadPool::worker_loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_work_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_ && queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
    }
    task();
    {
      std::lock_guard lock(mu_);
      --busy_;
      if (queue_.empty() && busy_ == 0) cv_idle_.notify_all();
    }
  }
}

}  // namespace hayloft
