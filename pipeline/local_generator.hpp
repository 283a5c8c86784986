#pragma once
// The built-in engine behind the generation seam: one shared, immutable engine::Model and one
// engine::Session whose KV cache is sized once (config engine.context capped by the model's window).
//  - count_tokens / render: the model's own Tokenizer and ChatTemplate from the GGUF metadata
//    (Prompt::rendered = true, tokens counted);
//  - generate: tokenize, take the engine::PromptCache slot sharing the longest token prefix with the
//    prompt and keep that prefix in its KV cache (metrics.reused_prefix_tokens), prefill the rest in engine.prefill_batch steps,
//    decode with the Sampler until EOS / max_tokens / a stop string / the callback returns false; metrics
//    from the engine's timers, peak_rss_bytes() and the session's KV bytes.
//  - prepare_prefix: not yet (the engine has no KV save/load); returns nullopt, so LC prefills in full.
// PromptStyle::kCompletion is for base models without a chat template (the packaged Gemma 3 270M): the
// messages are joined as plain text (the system message left out, the rest separated by blank lines), the
// model continues it, and generation stops at the first newline, since a completion prompt asks for one
// short line (`niah --completion`, whose question ends in the needle's own words up to its fact).
#include <memory>

#include "pipeline/generator.hpp"
#include "pipeline/planner.hpp"

namespace hayloft::engine {
class Model;
}  // namespace hayloft::engine

namespace hayloft::pipeline {

enum class PromptStyle { kChat, kCompletion };

class LocalGenerator final : public Generator {
 public:
  // engine.context: KV length in tokens (0 or more than the model's window = the model's window);
  // engine.threads, kv_type, prefill_batch, prompt_cache_slots as in config. Allocates the KV cache now.
  // kChat throws for a model without a chat template we can render.
  LocalGenerator(std::shared_ptr<const engine::Model> model, const config::EngineConfig& engine,
                 PromptStyle style = PromptStyle::kChat);
  ~LocalGenerator() override;

  std::string model_name() const override;
  int context_window() const override;
  int count_tokens(std::string_view text) const override;
  Prompt render(const std::vector<ChatMessage>& messages) const override;
  GenerateResult generate(const Prompt& prompt, const GenerateOptions& options,
                          const TokenCallback& on_token) override;
  std::optional<PrefixHandle> prepare_prefix(const Prompt& prefix) override;

  // Key of per-model data in the store (chunk token counts): "<file name>:<file bytes>".
  std::string model_key() const;
  // What the planner needs, from the GGUF metadata and this generator's window.
  ModelInfo planner_info() const;

 struct State;  // engine::PromptCache, Tokenizer, ChatTemplate (local_generator.cpp)

 private:
  std::vector<int32_t> encode_prompt(const std::string& text) const;

  std::unique_ptr<State> state_;
};

}  // namespace hayloft::pipeline
