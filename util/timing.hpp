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
// Restarts the peak (VmHWM) from the current RSS, so that a later peak_rss_bytes() is the peak of what
// ran in between (Linux >= 4.0: "5" written to /proc/self/clear_refs). False where that is refused.
bool reset_peak_rss();

}  // namespace hayloft
