#pragma once
// Persistent workers for the per-token hot path (engine-internal). The caller is worker 0 and n-1 threads
// wait on a generation counter; run() publishes a function pointer, wakes them, does its own share and
// waits for the rest. Nothing is allocated, locked or logged per call. Waiting spins briefly (a decode
// step issues a few hundred runs, each tens of microseconds) and then sleeps on the atomic, so idle
// sessions do not burn a core.
//
// Two kinds of job:
//  - run()/parallel(): every worker runs fn once with its own index (static splits by index);
//  - parallel_for(): chunks of [0, total) are claimed from a shared counter by whoever is running. The
//    caller returns as soon as every chunk is done; a worker that wakes after the job closed skips it.
//    So a worker the OS has descheduled (2 cores shared with other processes) costs nothing but its
//    share of throughput, instead of stalling every step until it runs again.
//
// One pool per process: shared_workers() hands every Session asking for n threads the same pool, so a
// generator with several prompt-cache slots runs n threads, not slots x n. A pool runs one job at a time,
// so the sessions sharing it must be driven one at a time: using them in turn from one thread (how the
// slots are used) is fine; two threads driving sessions of one pool at once is not allowed. Session claims
// the pool for each prefill/decode call (one atomic exchange, no lock) and throws Error{kInternal} when
// another thread holds it, instead of letting two jobs corrupt each other.
#include <atomic>
#include <cstdint>
#include <memory>
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

  // Exclusive use of the pool for one call into a Session (see the header comment). try_claim() is false
  // while another caller holds it.
  bool try_claim() { return !claimed_.exchange(true, std::memory_order_acquire); }
  void release() { claimed_.store(false, std::memory_order_release); }

  // Runs fn(ctx, index, n) on every worker (index 0 on the caller) and returns when all are done.
  using Fn = void (*)(void* ctx, int index, int n);
  void run(Fn fn, void* ctx);

  // Convenience for lambdas: f(index, n). The lambda lives on the caller's stack; no allocation.
  template <class F>
  void parallel(F& f) {
    run([](void* c, int i, int n) { (*static_cast<F*>(c))(i, n); }, &f);
  }

  // Calls f(begin, end) for consecutive chunks of at most `chunk` items covering [0, total), each once,
  // on whichever workers take part; returns when all are done.
  template <class F>
  void parallel_for(int64_t total, int64_t chunk, F& f) {
    if (total <= 0) return;
    struct Job {
      F* f;
      int64_t total, chunk;
      std::atomic<int64_t>* next;
    } job{&f, total, chunk, &next_};
    next_.store(0, std::memory_order_relaxed);
    run_dynamic(
        [](void* c, int, int) {
          const Job& j = *static_cast<const Job*>(c);
          for (;;) {
            const int64_t b = j.next->fetch_add(j.chunk, std::memory_order_relaxed);
            if (b >= j.total) return;
            (*j.f)(b, b + j.chunk < j.total ? b + j.chunk : j.total);
          }
        },
        &job);
  }

 private:
  void run_dynamic(Fn fn, void* ctx);
  void publish(Fn fn, void* ctx, bool dynamic);
  void loop(int index, uint32_t seen);
  // state_: job generation (high 32 bits) | closed (bit 31) | workers inside the job (low bits).
  static constexpr uint64_t kClosed = uint64_t{1} << 31;
  static constexpr uint64_t kInsideMask = kClosed - 1;
  int n_ = 1;
  std::vector<std::thread> threads_;
  std::atomic<uint64_t> state_{0};
  std::atomic<uint32_t> generation_{0};  // what sleeping workers wait on; follows state_'s generation
  std::atomic<int> pending_{0};          // static jobs: workers not yet done
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> next_{0};         // parallel_for: next unclaimed item
  Fn fn_ = nullptr;
  void* ctx_ = nullptr;
  bool dynamic_ = false;
  std::atomic<bool> claimed_{false};
};

// The process's pool of n_threads workers (n_threads >= 1), made on first use and ended when the last
// Session holding it goes. Thread-safe; called when a Session is made, never per token.
std::shared_ptr<Workers> shared_workers(int n_threads);

// Splits [0, total) into n near-equal contiguous parts; returns part i as [begin, end).
inline void split_range(int64_t total, int i, int n, int64_t& begin, int64_t& end) {
  begin = total * i / n;
  end = total * (i + 1) / n;
}

}  // namespace hayloft::engine
