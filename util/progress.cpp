#include "util/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace hayloft {

bool Progress::stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::string label, int64_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled) {}

Progress::~Progress() { finish(); }

void Progress::update(int64_t done, const std::string& detail) {
  if (!enabled_ || finished_) return;
  double now = timer_.seconds();
  bool last = total_ > 0 && done >= total_;
  if (!last && last_draw_ >= 0 && now - last_draw_ < 0.1) return;  // at most 10 redraws a second
  last_draw_ = now;
  std::string short_detail = detail.size() > 40 ? "..." + detail.substr(detail.size() - 37) : detail;
  if (total_ > 0) {
    constexpr int kWidth = 30;
    int filled = static_cast<int>(kWidth * done / total_);
    if (filled > kWidth) filled = kWidth;
    std::fprintf(stderr, "\r%s [%.*s%*s] %ld/%ld %.1fs %s\033[K", label_.c_str(), filled,
                 "##############################", kWidth - filled, "", static_cast<long>(done),
                 static_cast<long>(total_), now, short_detail.c_str());
  } else {
    std::fprintf(stderr, "\r%s %ld %.1fs %s\033[K", label_.c_str(), static_cast<long>(done), now,
                 short_detail.c_str());
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  if (last_draw_ >= 0) std::fprintf(stderr, "\n");
}

}  // namespace hayloft
