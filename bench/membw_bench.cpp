// Memory read bandwidth: stream-reads a buffer far larger than the last-level cache with 1..N threads and
// reports the best of several passes in GB/s (1e9 bytes/s): by wall clock, and "on CPU" (bytes / CPU
// seconds of the slowest thread), which on a shared, overloaded machine still shows what the memory system
// gives a thread that is running (the wall figure then mostly measures the neighbours). scripts/bench-engine divides a decode step's
// bytes × tok/s by this number to say how close an engine gets to the memory ceiling. Prints one JSON
// document on stdout.
//   usage: membw_bench [--mib 1024] [--threads 1,2] [--passes 5]
#include <immintrin.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

struct Options {
  int64_t mib = 1024;  // 1 GiB: 4x a 260 MB L3, so caches hold at most a quarter of it
  std::vector<int> threads = {1, 2};
  int passes = 5;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "membw_bench: %s\nusage: membw_bench [--mib N] [--threads 1,2] [--passes N]\n", why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage(("missing value after " + a).c_str());
    const std::string v = argv[++i];
    if (a == "--mib") {
      o.mib = std::atoll(v.c_str());
    } else if (a == "--passes") {
      o.passes = std::atoi(v.c_str());
    } else if (a == "--threads") {
      o.threads.clear();
      for (size_t p = 0; p <= v.size();) {
        const size_t q = std::min(v.find(',', p), v.size());
        o.threads.push_back(std::atoi(v.substr(p, q - p).c_str()));
        p = q + 1;
      }
    } else {
      usage(("unknown option " + a).c_str());
    }
  }
  if (o.mib < 1 || o.passes < 1) usage("--mib and --passes must be positive");
  for (int t : o.threads) {
    if (t < 1 || t > 256) usage("--threads must be between 1 and 256");
  }
  return o;
}

// Sums [p, p + n) floats with 8 independent AVX accumulators (enough loads in flight to saturate the
// memory system; the adds are never the bottleneck). n is a multiple of 64.
float read_sum(const float* p, size_t n) {
  __m256 acc[8];
  for (auto& a : acc) a = _mm256_setzero_ps();
  for (size_t i = 0; i < n; i += 64) {
    for (int j = 0; j < 8; ++j) acc[j] = _mm256_add_ps(acc[j], _mm256_load_ps(p + i + 8 * j));
  }
  for (int j = 1; j < 8; ++j) acc[0] = _mm256_add_ps(acc[0], acc[j]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc[0]);
  float s = 0;
  for (float l : lanes) s += l;
  return s;
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct PassTime {
  double wall = 0;  // first thread's start to last thread's end
  double cpu = 0;   // CPU seconds of the slowest thread: the time it actually spent on a core
};

// One pass: each thread reads its contiguous slice once.
PassTime timed_pass(const float* buf, size_t n, int threads, float* sink) {
  std::vector<std::thread> pool;
  std::vector<float> sums(static_cast<size_t>(threads));
  std::vector<double> cpu(static_cast<size_t>(threads));
  const size_t slice = n / static_cast<size_t>(threads) / 64 * 64;
  const auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const auto i = static_cast<size_t>(t);
      const double c0 = thread_cpu_seconds();
      sums[i] = read_sum(buf + slice * i, slice);
      cpu[i] = thread_cpu_seconds() - c0;
    });
  }
  for (auto& th : pool) th.join();
  PassTime pt;
  pt.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  pt.cpu = *std::max_element(cpu.begin(), cpu.end());
  for (float s : sums) *sink += s;
  return pt;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const size_t bytes = static_cast<size_t>(o.mib) << 20;
  const size_t n = bytes / sizeof(float);
  auto* buf = static_cast<float*>(::operator new[](bytes, std::align_val_t{64}));
  // Touch every page first (small distinct values, no NaN): the timed passes must not pay page faults.
  for (size_t i = 0; i < n; ++i) buf[i] = static_cast<float>(i & 1023) * 1e-3f;

  float sink = 0;
  nlohmann::json results = nlohmann::json::array();
  for (int threads : o.threads) {
    timed_pass(buf, n, threads, &sink);  // warm-up: thread start-up, TLB
    std::vector<double> gbs, cpu_gbs;
    const size_t read = n / static_cast<size_t>(threads) / 64 * 64 * static_cast<size_t>(threads) * sizeof(float);
    for (int p = 0; p < o.passes; ++p) {
      const PassTime pt = timed_pass(buf, n, threads, &sink);
      gbs.push_back(static_cast<double>(read) / pt.wall / 1e9);
      cpu_gbs.push_back(static_cast<double>(read) / pt.cpu / 1e9);
    }
    results.push_back({{"threads", threads},
                       {"best_gb_s", *std::max_element(gbs.begin(), gbs.end())},
                       {"best_on_cpu_gb_s", *std::max_element(cpu_gbs.begin(), cpu_gbs.end())},
                       {"passes_gb_s", gbs},
                       {"passes_on_cpu_gb_s", cpu_gbs}});
  }
  ::operator delete[](buf, std::align_val_t{64});
  nlohmann::json doc = {{"buffer_bytes", bytes}, {"passes", o.passes}, {"read", results},
                        {"checksum", sink}};  // printed so the reads cannot be optimised away
  std::printf("%s\n", doc.dump(2).c_str());
  return 0;
}
