// Sampler chain and stop conditions; see sampler.hpp.
#include "engine/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "util/error.hpp"

namespace hayloft::engine {

Sampler::Sampler(int vocab_size, const SamplerParams& params)
    : params_(params), vocab_size_(vocab_size), rng_(params.seed) {
  auto bad = [](const std::string& what) { throw Error(ErrorKind::kInvalidArgument, "sampler: " + what); };
  if (vocab_size <= 0) bad("vocabulary size must be positive");
  if (!(params.temperature >= 0) || !std::isfinite(params.temperature)) bad("temperature must be >= 0");
  if (!(params.top_p > 0)) bad("top_p must be > 0");
  if (!(params.min_p >= 0 && params.min_p <= 1)) bad("min_p must be in [0, 1]");
  if (!(params.repeat_penalty > 0)) bad("repeat_penalty must be > 0");
  if (params.repeat_last_n < 0) bad("repeat_last_n must be >= 0");
  auto n = static_cast<size_t>(vocab_size);
  cand_.resize(n);
  probs_.resize(n);
  counts_.assign(n, 0);
  seen_.assign(n, 0);
  window_.assign(static_cast<size_t>(params.repeat_last_n), 0);
}

void Sampler::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  window_pos_ = window_len_ = 0;
  rng_.seed(params_.seed);
}

void Sampler::accept(int32_t token) {
  if (window_.empty() || token < 0 || token >= vocab_size_) return;
  if (window_len_ == window_.size()) --counts_[static_cast<size_t>(window_[window_pos_])];  // evict oldest
  else ++window_len_;
  window_[window_pos_] = token;
  ++counts_[static_cast<size_t>(token)];
  window_pos_ = (window_pos_ + 1) % window_.size();
}

// llama.cpp's penalties: each distinct token in the window once, logits still indexed by id.
void Sampler::apply_penalties() {
  const auto& p = params_;
  if (window_len_ == 0 || (p.repeat_penalty == 1.0f && p.frequency_penalty == 0.0f && p.presence_penalty == 0.0f))
    return;
  if (++epoch_ == 0) {  // stamp wrapped: forget old stamps
    std::fill(seen_.begin(), seen_.end(), 0);
    epoch_ = 1;
  }
  for (size_t i = 0; i < window_len_; ++i) {
    auto id = static_cast<size_t>(window_[i]);
    if (seen_[id] == epoch_) continue;
    seen_[id] = epoch_;
    float& logit = cand_[id].logit;
    logit = logit <= 0 ? logit * p.repeat_penalty : logit / p.repeat_penalty;
    logit -= static_cast<float>(counts_[id]) * p.frequency_penalty + p.presence_penalty;
  }
}

static bool by_logit_desc(const auto& a, const auto& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

// Puts the k largest candidates first, sorted.
void Sampler::sort_prefix(size_t k) {
  k = std::min(k, n_);
  if (sorted_) return;
  if (k < n_) {
    std::nth_element(cand_.begin(), cand_.begin() + static_cast<long>(k), cand_.begin() + static_cast<long>(n_), by_logit_desc<Candidate, Candidate>);
  }
  std::sort(cand_.begin(), cand_.begin() + static_cast<long>(k), by_logit_desc<Candidate, Candidate>);
  if (k == n_) sorted_ = true;
}

void Sampler::top_k(size_t k) {
  if (k == 0 || k >= n_) return;
  sort_prefix(k);
  n_ = k;
  sorted_ = true;
}

// Smallest prefix (by probability) whose mass reaches top_p.
void Sampler::top_p() {
  if (params_.top_p >= 1.0f || n_ <= 1) return;
  // Softmax denominator over all live candidates, against the max for stability.
  float max_logit = -std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < n_; ++i) max_logit = std::max(max_logit, cand_[i].logit);
  double sum = 0;
  for (size_t i = 0; i < n_; ++i) sum += std::exp(static_cast<double>(cand_[i].logit - max_logit));
  // The nucleus is usually small: sort a prefix first, everything only if the prefix is not enough.
  for (size_t k = std::min<size_t>(n_, 1024);; k = n_) {
    sort_prefix(k);
    double cum = 0;
    for (size_t i = 0; i < k; ++i) {
      cum += std::exp(static_cast<double>(cand_[i].logit - max_logit)) / sum;
      if (cum >= params_.top_p) {
        n_ = i + 1;
        sorted_ = true;
        return;
      }
    }
    if (k == n_) return;
  }
}

// Keeps p >= min_p * p_max, i.e. logit >= max_logit + log(min_p).
void Sampler::min_p() {
  if (params_.min_p <= 0.0f || n_ <= 1) return;
  float max_logit = -std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < n_; ++i) max_logit = std::max(max_logit, cand_[i].logit);
  float threshold = max_logit + std::log(params_.min_p);
  size_t kept = 0;
  for (size_t i = 0; i < n_; ++i)  // stable: keeps sorted order if there was one
    if (cand_[i].logit >= threshold) cand_[kept++] = cand_[i];
  n_ = std::max<size_t>(kept, 1);
}

int32_t Sampler::draw() {
  float max_logit = -std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < n_; ++i) max_logit = std::max(max_logit, cand_[i].logit);
  double sum = 0;
  const double inv_t = 1.0 / params_.temperature;
  for (size_t i = 0; i < n_; ++i) {
    probs_[i] = static_cast<float>(std::exp((cand_[i].logit - max_logit) * inv_t));
    sum += probs_[i];
  }
  double u = uniform(rng_) * sum;
  double cum = 0;
  for (size_t i = 0; i < n_; ++i) {
    cum += probs_[i];
    if (u < cum) return cand_[i].id;
  }
  return cand_[n_ - 1].id;  // rounding left u == sum
}

int32_t Sampler::sample(std::span<const float> logits) {
  HL_DASSERT(logits.size() == static_cast<size_t>(vocab_size_));
  n_ = std::min(logits.size(), cand_.size());
  for (size_t i = 0; i < n_; ++i) cand_[i] = {logits[i], static_cast<int32_t>(i)};
  sorted_ = false;
  apply_penalties();
  if (params_.temperature <= 0.0f) {
    size_t best = 0;  // first maximum, as argmax
    for (size_t i = 1; i < n_; ++i)
      if (cand_[i].logit > cand_[best].logit) best = i;
    return cand_[best].id;
  }
  if (params_.top_k > 0) top_k(static_cast<size_t>(params_.top_k));
  top_p();
  min_p();
  return draw();
}

namespace {

// Length of the longest suffix of `text` that is a proper prefix of one of `stops` (non-empty strings):
// the bytes to hold back because the next piece may complete a stop string.
size_t stop_prefix_tail(const std::string& text, const std::vector<std::string>& stops) {
  size_t keep = 0;
  for (const auto& s : stops) {
    for (size_t len = std::min(s.size() - 1, text.size()); len > keep; --len) {
      if (text.compare(text.size() - len, len, s, 0, len) == 0) {
        keep = len;
        break;
      }
    }
  }
  return keep;
}

}  // namespace

const char* stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kNone: return "none";
    case StopReason::kEos: return "eos";
    case StopReason::kStopString: return "stop_string";
    case StopReason::kMaxTokens: return "max_tokens";
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
  const size_t old = text_.size();
  text_ += piece;
  size_t earliest = std::string::npos;
  for (const std::string& s : stops_) {
    // A stop string may start up to s.size() - 1 bytes before the new piece.
    const size_t from = old >= s.size() ? old - s.size() + 1 : 0;
    const size_t at = text_.find(s, from);
    if (at != std::string::npos) earliest = std::min(earliest, at);
  }
  if (earliest != std::string::npos) {
    text_.resize(earliest);
    stopped_ = true;
  }
  return stopped_;
}

size_t StopMatcher::safe_length() const { return stopped_ ? text_.size() : text_.size() - stop_prefix_tail(text_, stops_); }

StopCondition::StopCondition(const Tokenizer& tok, std::vector<std::string> stop_strings)
    : tok_(&tok), decoder_(tok) {
  for (auto& s : stop_strings)
    if (!s.empty()) stops_.push_back(std::move(s));
}

StopReason StopCondition::push(int32_t token, std::string& out) {
  if (reason_ != StopReason::kNone) return reason_;
  if (tok_->is_end_of_generation(token)) {
    finish(out);
    reason_ = StopReason::kEos;
    return reason_;
  }
  decoder_.push(token, held_);
  // The earliest complete stop string ends the text.
  size_t first = std::string::npos;
  for (const auto& s : stops_) first = std::min(first, held_.find(s));
  if (first != std::string::npos) {
    out.append(held_, 0, first);
    held_.clear();
    reason_ = StopReason::kStopString;
    return reason_;
  }
  // Hold the longest tail that is a prefix of some stop string; emit the rest.
  const size_t keep = stop_prefix_tail(held_, stops_);
  out.append(held_, 0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  return StopReason::kNone;
}

void StopCondition::finish(std::string& out) {
  decoder_.flush(held_);
  out += held_;
  held_.clear();
}

}  // namespace hayloft::engine
