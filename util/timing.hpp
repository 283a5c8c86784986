#pragma once
// Wall-clock timing and process memory, measured rather than estimated.
#include <chrono>
#include <cstdint>

namespace hayloft {

class Timer {
 public:
  Timer() : start_(std::chrono::steady_clock::now()) {}
  void reset() { start_ = std::chrono::steady_clock::now(); }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// Peak resident set size of this process so far (VmHWM), in bytes; 0 if unknown.
int64_t peak_rss_bytes();
// Current resident set size (VmRSS), in bytes; 0 if unknown.
int64_t current_rss_bytes();

}  // namespace hayloft
