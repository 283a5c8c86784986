#pragma once
// Degeneration guard: watches generated tokens one at a time and says when the answer has started to loop
// or turned to junk, so generation can stop and the answer be flagged (the failure reported for Llama 4
// Scout on a 20K-token prompt, and seen with SmolLM2-135M: "David Collings David Collings ...").
//
// Checks, cheap per token (a scan of a fixed ring of a few hundred slots, no allocation after
// construction):
//  - repeated n-gram: the newest n-gram (n = `ngram`) occurs `ngram_repeats` times in the last
//    `window_tokens` tokens (short loops: a name or phrase), or the newest `long_ngram`-gram occurs
//    `long_ngram_repeats` times in the last `long_window_tokens` (a sentence repeated: SmolLM2's usual
//    failure, with periods of 15-40 tokens). Only n-grams holding a letter count, so table rules
//    ("|---|---|") and number columns do not trip it.
//  The remaining checks look at the last `window_tokens` tokens:
//  - loop: the newest `min_loop_tokens` tokens repeat with a period p <= `max_period` (tok[i] == tok[i-p]
//    for the whole run), with at least 3 periods, and the run holds a letter.
//  - repeated token: one id emitted more than `max_same_token` times back to back.
//  - no progress: more than `max_blank_tokens` tokens in a row that add only whitespace, or a full window
//    with fewer than `min_distinct_tokens` distinct ids.
//  - junk: over the last `junk_window_chars` characters, the share of junk characters (U+FFFD, invalid
//    UTF-8, control characters, and the symbols @ ^ ~ ` { } < > \ $) exceeds `junk_ratio`. Prose,
//    Markdown lists and tables use none of these.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace hayloft::pipeline {

enum class DegenerationKind { kNone, kRepeatedNgram, kLoop, kRepeatedToken, kNoProgress, kJunk };
const char* degeneration_kind_name(DegenerationKind kind);  // "none", "repeated_ngram", ...

struct DegenerationVerdict {
  DegenerationKind kind = DegenerationKind::kNone;
  std::string reason;      // for the user, e.g. "the 4-gram ' David Collings David' repeated 4 times"
  int64_t at_token = -1;   // 0-based index of the token that triggered it
  bool degenerate() const { return kind != DegenerationKind::kNone; }
};

class DegenerationGuard {
 public:
  // Throws Error{kInvalidArgument} for limits that make no sense (window < ngram × repeats, ...).
  explicit DegenerationGuard(const config::DegenerationConfig& limits);

  // Feeds one generated token (its id and decoded text). Returns the verdict so far; once degenerate,
  // the verdict sticks until reset().
  const DegenerationVerdict& feed(int32_t id, std::string_view text);
  const DegenerationVerdict& verdict() const { return verdict_; }
  void reset();

 private:
  struct Slot {
    int32_t id = 0;
    bool letter = false;   // the token's text holds an ASCII letter or non-ASCII character
    uint64_t ngram[2] = {0, 0};  // hash of the short / long n-gram ending here (0 = not enough tokens)
    bool ngram_letter[2] = {false, false};
  };
  // k-th newest slot (0 = newest); the ring size is a power of two, so a mask replaces the modulo.
  const Slot& back(int64_t k) const { return ring_[static_cast<size_t>((count_ - 1 - k) & mask_)]; }
  void hash_ngram(Slot& slot, int which, int n) const;
  void check_ngram(const Slot& slot, int which, int n, int repeats, int64_t window);
  void check_loop();
  void check_progress(std::string_view text, int32_t id);
  void check_junk(std::string_view text);
  void flag(DegenerationKind kind, std::string reason);
  std::string recent_text(int tokens) const;

  config::DegenerationConfig limits_;
  int64_t window_ = 0;              // short window, tokens
  int64_t ring_size_ = 0;           // max(short, long window) rounded up to a power of two
  int64_t mask_ = 0;                // ring_size_ - 1
  std::vector<Slot> ring_;          // [ring_size_] last tokens
  std::vector<std::string> texts_;  // [ring_size_] their text, for the reason message
  std::vector<int> same_period_;    // [max_period + 1] run length of tok[i] == tok[i-p]
  std::vector<uint8_t> junk_ring_;  // [junk_window_chars] 1 = junk character
  int64_t junk_count_ = 0;
  int64_t chars_ = 0;
  int64_t count_ = 0;
  int same_token_run_ = 0;
  int blank_run_ = 0;
  DegenerationVerdict verdict_;
};

}  // namespace hayloft::pipeline
