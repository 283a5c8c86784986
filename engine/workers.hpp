#pragma once
// Persistent workers for the per-token hot path (engine-internal). The caller is worker 0 and n-1 threads
// wait on a generation counter; run() publishes a function pointer, wakes them, does its own share and
// waits for the rest. Nothing is allocated, locked or logged per call. Waiting spins briefly (a decode
// step issues a few hundred runs, each tens of microseconds) and then sleeps on the atomic, so idle
// sessions do not burn a core.
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace hayloft::engine {

class Workers {
 public:
  explicit Workers(int n_threads);  // n_threads >= 1, counting the caller
  ~Workers();
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  int size() const { return n_; }

  // Runs fn(ctx, index, n) on every worker (index 0 on the caller) and returns when all are done.
  using Fn = void (*)(void* ctx, int index, int n);
  void run(Fn fn, void* ctx);

  // Convenience for lambdas: f(index, n). The lambda lives on the caller's stack; no allocation.
  template <class F>
  void parallel(F& f) {
    run([](void* c, int i, int n) { (*static_cast<F*>(c))(i, n); }, &f);
  }

 private:
  void loop(int index, uint32_t seen);
  int n_ = 1;
  std::vector<std::thread> threads_;
  std::atomic<uint32_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  Fn fn_ = nullptr;
  void* ctx_ = nullptr;
};

// Splits [0, total) into n near-equal contiguous parts; returns part i as [begin, end).
inline void split_range(int64_t total, int i, int n, int64_t& begin, int64_t& end) {
  begin = total * i / n;
  end = total * (i + 1) / n;
}

}  // namespace hayloft::engine
