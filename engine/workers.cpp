#include "engine/workers.hpp"

#include <immintrin.h>

namespace hayloft::engine {

namespace {
// Pause iterations before sleeping/yielding: tens of microseconds on current x86, longer than the gap
// between two runs of a decode step, short enough not to starve OpenBLAS threads during prefill sgemm.
constexpr int kSpinIterations = 4000;
}  // namespace

Workers::Workers(int n_threads) : n_(n_threads < 1 ? 1 : n_threads) {
  threads_.reserve(static_cast<size_t>(n_ - 1));
  // Each worker starts from the generation seen here, so a run() issued before it is scheduled is not missed.
  const uint32_t start = generation_.load(std::memory_order_acquire);
  for (int i = 1; i < n_; ++i) threads_.emplace_back([this, i, start] { loop(i, start); });
}

Workers::~Workers() {
  stop_.store(true, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  generation_.notify_all();
  for (auto& t : threads_) t.join();
}

void Workers::run(Fn fn, void* ctx) {
  if (n_ == 1) {
    fn(ctx, 0, 1);
    return;
  }
  fn_ = fn;
  ctx_ = ctx;
  pending_.store(n_ - 1, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_acq_rel);  // publishes fn_/ctx_
  generation_.notify_all();
  fn(ctx, 0, n_);
  for (int spin = 0; pending_.load(std::memory_order_acquire) != 0; ++spin) {
    if (spin < kSpinIterations) {
      _mm_pause();
    } else {
      std::this_thread::yield();
    }
  }
}

void Workers::loop(int index, uint32_t seen) {
  for (;;) {
    int spin = 0;
    uint32_t now = generation_.load(std::memory_order_acquire);
    while (now == seen) {
      if (spin++ < kSpinIterations) {
        _mm_pause();
      } else {
        generation_.wait(seen, std::memory_order_acquire);
      }
      now = generation_.load(std::memory_order_acquire);
    }
    seen = now;
    if (stop_.load(std::memory_order_acquire)) return;
    fn_(ctx_, index, n_);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace hayloft::engine
