#include "pipeline/degeneration.hpp"

#include <algorithm>

#include "util/error.hpp"

namespace hayloft::pipeline {

namespace {

bool has_letter(std::string_view text) {
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80) return true;
  }
  return false;
}

bool is_blank(std::string_view text) {
  for (unsigned char c : text) {
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r') return false;
  }
  return true;
}

// Symbols prose, lists and tables do not use; runs of them are what junk output looks like.
bool is_odd_symbol(unsigned char c) {
  switch (c) {
    case '@': case '^': case '~': case '`': case '{': case '}': case '<': case '>': case '\\': case '$':
      return true;
    default:
      return false;
  }
}

constexpr uint64_t kFnvOffset = 1469598103934665603ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

}  // namespace

const char* degeneration_kind_name(DegenerationKind kind) {
  switch (kind) {
    case DegenerationKind::kNone: return "none";
    case DegenerationKind::kRepeatedNgram: return "repeated_ngram";
    case DegenerationKind::kLoop: return "loop";
    case DegenerationKind::kRepeatedToken: return "repeated_token";
    case DegenerationKind::kNoProgress: return "no_progress";
    case DegenerationKind::kJunk: return "junk";
  }
  return "?";
}

DegenerationGuard::DegenerationGuard(const config::DegenerationConfig& limits) : limits_(limits) {
  const auto& l = limits_;
  if (l.ngram < 1 || l.ngram_repeats < 2 || l.window_tokens < l.ngram * l.ngram_repeats) {
    throw Error(ErrorKind::kInvalidArgument, "degeneration guard: window_tokens must hold ngram × ngram_repeats",
                "pipeline.degeneration");
  }
  if (l.long_ngram < 1 || l.long_ngram_repeats < 2 ||
      l.long_window_tokens < l.long_ngram * l.long_ngram_repeats) {
    throw Error(ErrorKind::kInvalidArgument,
                "degeneration guard: long_window_tokens must hold long_ngram × long_ngram_repeats",
                "pipeline.degeneration");
  }
  if (l.max_period < 1 || l.window_tokens < 3 * l.max_period || l.min_loop_tokens < 2 ||
      l.max_same_token < 1 || l.max_blank_tokens < 1 || l.min_distinct_tokens < 1 || l.min_distinct_tokens > 64 ||
      l.junk_window_chars < 8 || l.junk_ratio <= 0 || l.junk_ratio > 1) {
    throw Error(ErrorKind::kInvalidArgument, "degeneration guard: a limit is out of range",
                "pipeline.degeneration");
  }
  window_ = l.window_tokens;
  ring_size_ = 1;
  while (ring_size_ < std::max(l.window_tokens, l.long_window_tokens)) ring_size_ *= 2;
  mask_ = ring_size_ - 1;
  ring_.resize(static_cast<size_t>(ring_size_));
  texts_.resize(static_cast<size_t>(ring_size_));
  same_period_.resize(static_cast<size_t>(l.max_period) + 1);
  junk_ring_.resize(static_cast<size_t>(l.junk_window_chars));
  for (auto& t : texts_) t.reserve(32);
}

void DegenerationGuard::reset() {
  std::fill(same_period_.begin(), same_period_.end(), 0);
  std::fill(junk_ring_.begin(), junk_ring_.end(), 0);
  junk_count_ = chars_ = count_ = 0;
  same_token_run_ = blank_run_ = 0;
  verdict_ = {};
}

void DegenerationGuard::flag(DegenerationKind kind, std::string reason) {
  verdict_.kind = kind;
  verdict_.reason = std::move(reason);
  verdict_.at_token = count_ - 1;
}

std::string DegenerationGuard::recent_text(int tokens) const {
  std::string out;
  int64_t n = std::min<int64_t>({tokens, count_, ring_size_});
  for (int64_t k = n - 1; k >= 0; --k) out += texts_[static_cast<size_t>((count_ - 1 - k) & mask_)];
  return out;
}

const DegenerationVerdict& DegenerationGuard::feed(int32_t id, std::string_view text) {
  if (verdict_.degenerate()) return verdict_;
  Slot slot;
  slot.id = id;
  slot.letter = has_letter(text);
  hash_ngram(slot, 0, limits_.ngram);
  hash_ngram(slot, 1, limits_.long_ngram);
  size_t at = static_cast<size_t>(count_ & mask_);
  ring_[at] = slot;
  texts_[at].assign(text);
  ++count_;

  check_progress(text, id);
  if (!verdict_.degenerate()) check_ngram(slot, 0, limits_.ngram, limits_.ngram_repeats, window_);
  if (!verdict_.degenerate()) {
    check_ngram(slot, 1, limits_.long_ngram, limits_.long_ngram_repeats, limits_.long_window_tokens);
  }
  if (!verdict_.degenerate()) check_loop();
  if (!verdict_.degenerate()) check_junk(text);
  return verdict_;
}

// Hash of the n ids ending at `slot` (not yet in the ring; older ids come from it, n <= ring size).
void DegenerationGuard::hash_ngram(Slot& slot, int which, int n) const {
  if (count_ + 1 < n) return;
  uint64_t h = kFnvOffset;
  bool letter = slot.letter;
  for (int k = n - 2; k >= 0; --k) {
    const Slot& s = back(k);
    h = (h ^ static_cast<uint32_t>(s.id)) * kFnvPrime;
    letter = letter || s.letter;
  }
  h = (h ^ static_cast<uint32_t>(slot.id)) * kFnvPrime;
  slot.ngram[which] = h | 1;  // never 0, which marks "no n-gram yet"
  slot.ngram_letter[which] = letter;
}

void DegenerationGuard::check_ngram(const Slot& slot, int which, int n, int repeats, int64_t window) {
  if (slot.ngram[which] == 0 || !slot.ngram_letter[which]) return;
  int64_t span = std::min(count_, window);
  int seen = 0;
  for (int64_t k = 0; k < span; ++k) {
    if (back(k).ngram[which] == slot.ngram[which]) ++seen;
  }
  if (seen >= repeats) {
    flag(DegenerationKind::kRepeatedNgram, "the " + std::to_string(n) + "-gram '" + recent_text(n) + "' occurs " +
                                               std::to_string(seen) + " times in the last " + std::to_string(span) +
                                               " tokens");
  }
}

void DegenerationGuard::check_loop() {
  const int32_t id = back(0).id;
  for (int p = 1; p <= limits_.max_period; ++p) {
    int& run = same_period_[static_cast<size_t>(p)];
    run = (count_ > p && back(p).id == id) ? run + 1 : 0;
    // The last run + p tokens repeat with period p; require 3 periods and min_loop_tokens tokens.
    if (run >= 2 * p && run + p >= limits_.min_loop_tokens) {
      bool letter = false;
      for (int k = 0; k < p; ++k) letter = letter || back(k).letter;
      if (!letter) continue;
      flag(DegenerationKind::kLoop, "the last " + std::to_string(run + p) + " tokens repeat '" + recent_text(p) +
                                        "' (period " + std::to_string(p) + ")");
      return;
    }
  }
}

void DegenerationGuard::check_progress(std::string_view text, int32_t id) {
  same_token_run_ = (count_ > 1 && back(1).id == id) ? same_token_run_ + 1 : 1;
  if (same_token_run_ > limits_.max_same_token) {
    flag(DegenerationKind::kRepeatedToken, "the token '" + std::string(text) + "' repeated " +
                                               std::to_string(same_token_run_) + " times in a row");
    return;
  }
  blank_run_ = is_blank(text) ? blank_run_ + 1 : 0;
  if (blank_run_ > limits_.max_blank_tokens) {
    flag(DegenerationKind::kNoProgress, std::to_string(blank_run_) + " tokens in a row added only whitespace");
    return;
  }
  if (count_ < window_) return;
  // Distinct ids in the full window, stopping as soon as there are enough (a few compares for real text).
  int32_t seen_ids[64];  // min_distinct_tokens is small: stop once that many distinct ids are seen
  const int want = std::min(limits_.min_distinct_tokens, 64);
  int distinct = 0;
  for (int64_t j = 0; j < window_ && distinct < want; ++j) {
    int32_t id_j = back(j).id;
    bool fresh = true;
    for (int i = 0; i < distinct && fresh; ++i) fresh = seen_ids[i] != id_j;
    if (fresh) seen_ids[distinct++] = id_j;
  }
  if (distinct < want) {
    flag(DegenerationKind::kNoProgress, "only " + std::to_string(distinct) + " distinct tokens in the last " +
                                            std::to_string(window_) + " tokens");
  }
}

void DegenerationGuard::check_junk(std::string_view text) {
  const size_t size = junk_ring_.size();
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') continue;
    if (c >= 0x80 && c < 0xC0) continue;  // UTF-8 continuation byte: part of a character already counted
    bool junk = false;
    if (c < 0x20 || c == 0x7F || c == 0xC0 || c == 0xC1 || c >= 0xF5) {
      junk = true;  // control character or a byte that never starts valid UTF-8
    } else if (c == 0xEF && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xBF &&
               static_cast<unsigned char>(text[i + 2]) == 0xBD) {
      junk = true;  // U+FFFD, what a decoder writes for bytes it could not read
    } else {
      junk = is_odd_symbol(c);
    }
    uint8_t& slot = junk_ring_[static_cast<size_t>(chars_ % static_cast<int64_t>(size))];
    junk_count_ += static_cast<int64_t>(junk) - slot;
    slot = junk ? 1 : 0;
    ++chars_;
  }
  if (chars_ < static_cast<int64_t>(size)) return;
  double ratio = static_cast<double>(junk_count_) / static_cast<double>(size);
  if (ratio > limits_.junk_ratio) {
    flag(DegenerationKind::kJunk, std::to_string(junk_count_) + " of the last " + std::to_string(size) +
                                      " characters are junk (replacement, control or stray symbols)");
  }
}

}  // namespace hayloft::pipeline
