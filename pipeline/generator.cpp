#include "pipeline/generator.hpp"

#include <algorithm>

namespace hayloft::pipeline {

const char* stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kEos: return "eos";
    case StopReason::kMaxTokens: return "max_tokens";
    case StopReason::kStopString: return "stop_string";
    case StopReason::kCallback: return "callback";
    case StopReason::kContextFull: return "context_full";
  }
  return "?";
}

StopMatcher::StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {
  std::erase_if(stops_, [](const std::string& s) { return s.empty(); });
}

bool StopMatcher::feed(std::string_view piece) {
  if (stopped_) return true;
  size_t old = text_.size();
  text_ += piece;
  size_t earliest = std::string::npos;
  for (const std::string& s : stops_) {
    // A stop string may start up to s.size() - 1 bytes before the new piece.
    size_t from = old >= s.size() ? old - s.size() + 1 : 0;
    size_t at = text_.find(s, from);
    if (at != std::string::npos) earliest = std::min(earliest, at);
  }
  if (earliest != std::string::npos) {
    text_.resize(earliest);
    stopped_ = true;
  }
  return stopped_;
}

size_t StopMatcher::safe_length() const {
  if (stopped_) return text_.size();
  size_t hold = 0;
  for (const std::string& s : stops_) {
    // Longest suffix of text_ that is a proper prefix of s.
    for (size_t k = std::min(s.size() - 1, text_.size()); k > hold; --k) {
      if (text_.compare(text_.size() - k, k, s, 0, k) == 0) {
        hold = k;
        break;
      }
    }
  }
  return text_.size() - hold;
}

}  // namespace hayloft::pipeline
