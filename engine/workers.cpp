#include "engine/workers.hpp"

#include <immintrin.h>

#include <map>
#include <mutex>

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
  publish(nullptr, nullptr, false);
  for (auto& t : threads_) t.join();
}

// Opens a new job. Called only when no worker is inside the previous one (static: all done; dynamic:
// closed and drained), so fn_/ctx_/dynamic_ are never written while a worker reads them.
void Workers::publish(Fn fn, void* ctx, bool dynamic) {
  fn_ = fn;
  ctx_ = ctx;
  dynamic_ = dynamic;
  const uint32_t gen = generation_.load(std::memory_order_relaxed) + 1;
  state_.store(uint64_t{gen} << 32, std::memory_order_release);  // open, nobody inside
  generation_.store(gen, std::memory_order_release);
  generation_.notify_all();
}

void Workers::run(Fn fn, void* ctx) {
  if (n_ == 1) {
    fn(ctx, 0, 1);
    return;
  }
  pending_.store(n_ - 1, std::memory_order_relaxed);
  publish(fn, ctx, false);
  fn(ctx, 0, n_);
  for (int spin = 0; pending_.load(std::memory_order_acquire) != 0; ++spin) {
    if (spin < kSpinIterations) {
      _mm_pause();
    } else {
      std::this_thread::yield();
    }
  }
}

void Workers::run_dynamic(Fn fn, void* ctx) {
  if (n_ == 1) {
    fn(ctx, 0, 1);
    return;
  }
  publish(fn, ctx, true);
  fn(ctx, 0, n_);  // returns once no chunk is left to claim
  // Close: late workers skip; wait only for those inside, finishing chunks they claimed.
  state_.fetch_or(kClosed, std::memory_order_acq_rel);
  for (int spin = 0; (state_.load(std::memory_order_acquire) & kInsideMask) != 0; ++spin) {
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
    while (generation_.load(std::memory_order_acquire) == seen) {
      if (spin++ < kSpinIterations) {
        _mm_pause();
      } else {
        generation_.wait(seen, std::memory_order_acquire);
      }
    }
    if (stop_.load(std::memory_order_acquire)) return;
    // Enter the newest open job (at most once per generation), or skip it if it closed meanwhile.
    uint64_t s = state_.load(std::memory_order_acquire);
    bool entered = false;
    while (uint32_t(s >> 32) != seen && (s & kClosed) == 0) {
      if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        entered = true;
        break;
      }
    }
    seen = uint32_t(s >> 32);
    if (!entered) continue;
    const bool dynamic = dynamic_;  // stable while we are inside
    fn_(ctx_, index, n_);
    state_.fetch_sub(1, std::memory_order_release);
    if (!dynamic) pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

std::shared_ptr<Workers> shared_workers(int n_threads) {
  static std::mutex mu;
  static std::map<int, std::weak_ptr<Workers>> pools;  // by thread count
  const int n = n_threads < 1 ? 1 : n_threads;
  std::lock_guard<std::mutex> lock(mu);
  std::weak_ptr<Workers>& slot = pools[n];
  std::shared_ptr<Workers> pool = slot.lock();
  if (!pool) {
    pool = std::make_shared<Workers>(n);
    slot = pool;
  }
  return pool;
}

}  // namespace hayloft::engine
