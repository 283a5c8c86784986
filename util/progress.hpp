#pragma once
// A one-line progress bar on stderr, drawn only when stderr is a terminal (quiet in CI and pipes).
#include <cstdint>
#include <string>

#include "util/timing.hpp"

namespace hayloft {

class Progress {
 public:
  // total <= 0 means unknown: shows a count instead of a bar.
  Progress(std::string label, int64_t total, bool enabled = stderr_is_terminal());
  ~Progress();
  void update(int64_t done, const std::string& detail = {});
  void finish();

  static bool stderr_is_terminal();

 private:
  std::string label_;
  int64_t total_;
  bool enabled_;
  bool finished_ = false;
  Timer timer_;
  double last_draw_ = -1.0;
};

}  // namespace hayloft
