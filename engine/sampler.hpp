#pragma once
// Next-token sampling and stop conditions. The chain follows llama.cpp's default order:
//   repetition penalties -> top-k -> top-p -> min-p -> temperature -> draw
// with temperature <= 0 meaning greedy (argmax after penalties). Buffers are sized once for the
// vocabulary: sample() and accept() never allocate. Draws use std::mt19937_64 and our own conversion to
// [0, 1), so a seed gives the same tokens on every platform and standard library.
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tokenizer.hpp"

namespace hayloft::engine {

struct SamplerParams {
  float temperature = 0.0f;     // <= 0: greedy
  int top_k = 0;                // <= 0: off
  float top_p = 1.0f;           // >= 1: off
  float min_p = 0.0f;           // <= 0: off; keeps p >= min_p * p_max
  float repeat_penalty = 1.0f;  // 1: off; llama.cpp's rule (divide positive logits, multiply negative)
  float frequency_penalty = 0.0f;  // subtracted once per occurrence in the window
  float presence_penalty = 0.0f;   // subtracted once if present in the window
  int repeat_last_n = 64;       // window of recent tokens the penalties look at; 0: off
  uint64_t seed = 0;
};

class Sampler {
 public:
  // Error{kInvalidArgument} for a non-positive vocabulary or out-of-range parameters.
  Sampler(int vocab_size, const SamplerParams& params);

  // Picks a token from logits [vocab_size] (raw, unnormalised). Does not record it: call accept().
  int32_t sample(std::span<const float> logits);
  // Records a token (prompt or generated) in the penalty window.
  void accept(int32_t token);
  // Clears the penalty window and reseeds.
  void reset();
  const SamplerParams& params() const { return params_; }

  // Uniform double in [0, 1) from 53 random bits: identical on every platform.
  static double uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

 private:
  struct Candidate {
    float logit;
    int32_t id;
  };
  void apply_penalties();
  void top_k(size_t k);
  void sort_prefix(size_t k);
  void top_p();
  void min_p();
  int32_t draw();

  SamplerParams params_;
  int vocab_size_;
  std::mt19937_64 rng_;
  std::vector<Candidate> cand_;  // [vocab] working set; first n_ are live
  size_t n_ = 0;
  bool sorted_ = false;          // cand_[0, n_) sorted by logit, descending
  std::vector<float> probs_;     // [vocab] scratch
  std::vector<int32_t> window_;  // ring buffer of the last repeat_last_n tokens
  size_t window_pos_ = 0, window_len_ = 0;
  std::vector<int32_t> counts_;  // [vocab] occurrences in the window
  std::vector<uint32_t> seen_;   // [vocab] epoch stamp: penalty applied this call
  uint32_t epoch_ = 0;
};

// Why generation ended: the one definition, from StopCondition through engine::generate() to the
// pipeline's generation seam and its run records.
enum class StopReason {
  kNone,         // not stopped (StopCondition::push while generation goes on)
  kEos,          // an end-of-generation token (EOS, EOT, ...)
  kStopString,   // a stop string appeared in the text
  kMaxTokens,    // the token budget ran out
  kCallback,     // the token callback returned false (cancelled, or the degeneration guard)
  kContextFull,  // the KV cache has no position left
};
// "none", "eos", "stop_string", "max_tokens", "callback", "context_full": stable, they are stored in runs.
const char* stop_reason_name(StopReason reason);

// Finds stop strings in streamed text that may split them across pieces, for backends that see text but
// no token ids (a remote server); StopCondition does the same on token ids. Feed each piece; safe_length()
// says how much of the text so far can be shown (a possible stop-string start is held back).
class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops);
  // Appends text; true once a stop string has appeared (text() then ends before it).
  bool feed(std::string_view piece);
  bool stopped() const { return stopped_; }
  const std::string& text() const { return text_; }
  // Bytes of text() that can be shown now: everything but a tail that could begin a stop string.
  size_t safe_length() const;

 private:
  std::vector<std::string> stops_;
  std::string text_;
  bool stopped_ = false;
};

// Turns sampled tokens into text and decides when to stop: an end-of-generation token (EOS, EOT, ...) or
// a stop string in the decoded text. Text that could be the start of a stop string is held back until it
// is known not to be one, so the stop string itself is never emitted.
class StopCondition {
 public:
  StopCondition(const Tokenizer& tok, std::vector<std::string> stop_strings);
  // Appends newly visible text (valid UTF-8) to `out`. After a stop, further calls do nothing.
  StopReason push(int32_t token, std::string& out);
  // End of generation for another reason (budget): emits what is held.
  void finish(std::string& out);
  StopReason reason() const { return reason_; }

 private:
  const Tokenizer* tok_;
  std::vector<std::string> stops_;
  StreamDecoder decoder_;      // holds incomplete UTF-8
  std::string held_;           // complete text that may begin a stop string
  StopReason reason_ = StopReason::kNone;
};

}  // namespace hayloft::engine
