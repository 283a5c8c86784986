#pragma once
// The generation seam: the one narrow interface the pipeline talks to a model through. Two backends are
// planned — the built-in engine (local_generator.hpp) and a remote OpenAI-compatible server (vLLM,
// llama-server, a hosted Llama 4) — so nothing here assumes the model is local: prompts may stay chat
// messages (the server applies its template), token counts may come from the server, and the KV prefix is
// an opaque handle a backend may not support.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "engine/engine.hpp"
#include "pipeline/prompt.hpp"

namespace hayloft::pipeline {

// What generate() is given: rendered text (local: the chat template applied, special tokens in it) or
// the messages themselves (remote: the server templates them). `tokens` is the count when known.
struct Prompt {
  std::vector<ChatMessage> messages;
  std::string text;        // empty when the backend takes messages
  bool rendered = false;   // true: `text` is what the model sees
  int tokens = 0;          // of `text` by the model's tokenizer; 0 = unknown until generate()
};

// A saved KV state of a prompt prefix (for LC: everything up to the question), reused across questions.
// Opaque to the pipeline: a local backend keys a saved session file, a remote one a server-side cache.
struct PrefixHandle {
  std::string key;   // backend-defined, e.g. hash of model + rendered prefix
  int tokens = 0;    // prefix length the handle covers
};

struct GenerateOptions {
  int max_tokens = 128;
  config::SamplingConfig sampling;      // temperature 0 = greedy
  std::vector<std::string> stop;        // generation ends before any of these strings
  std::optional<PrefixHandle> prefix;   // reuse this prefix when the prompt starts with it
};

// Why a generation ended, and its stable name: the engine's, for local and remote backends alike.
using engine::StopReason;
using engine::stop_reason_name;  // "eos", "max_tokens", "stop_string", "callback", "context_full"

// Measured, not estimated.
struct GenerateMetrics {
  int prompt_tokens = 0;
  int reused_prefix_tokens = 0;   // of prompt_tokens, served from a saved prefix
  int generated_tokens = 0;
  double time_to_first_token_s = 0;
  double prefill_s = 0;
  double decode_s = 0;
  double total_s = 0;
  int64_t peak_rss_bytes = 0;     // local: this process; remote: 0 (unknown)
  int64_t kv_bytes = 0;           // KV the generation's positions occupy (prompt + generated); remote: 0
  int64_t kv_allocated_bytes = 0; // KV caches allocated (every prompt-cache slot); remote: 0 (unknown)
  StopReason stop = StopReason::kEos;
};

struct GenerateResult {
  std::string text;  // the generated text, stop string excluded
  GenerateMetrics metrics;
};

// Called once per generated token with its id (remote backends without ids pass -1) and decoded text;
// returning false stops generation (StopReason::kCallback), e.g. when the degeneration guard fires.
using TokenCallback = std::function<bool(int32_t id, std::string_view text)>;

class Generator {
 public:
  virtual ~Generator() = default;
  virtual std::string model_name() const = 0;
  virtual int context_window() const = 0;
  virtual int count_tokens(std::string_view text) const = 0;
  // Local: applies the model's chat template (rendered = true). Remote: keeps the messages.
  virtual Prompt render(const std::vector<ChatMessage>& messages) const = 0;
  // Throws Error{kResourceExhausted} when the prompt does not fit the window, Error{kCancelled} on a
  // signal; everything else (EOS, budget, stop string, callback) is a StopReason.
  virtual GenerateResult generate(const Prompt& prompt, const GenerateOptions& options,
                                  const TokenCallback& on_token) = 0;
  // Saves the KV state of `prefix` for later generate() calls; nullopt when the backend cannot.
  virtual std::optional<PrefixHandle> prepare_prefix(const Prompt& prefix) {
    (void)prefix;
    return std::nullopt;
  }
};

// Finds stop strings in streamed text that may split them across tokens (for backends without token ids).
using engine::StopMatcher;

}  // namespace hayloft::pipeline
