#pragma once
// The built-in engine behind the generation seam. Declared now, written when engine/ lands (branches
// engine-core, gguf-tok): nothing defines these yet, so nothing may construct one.
//
// What it will do:
//  - hold a shared, immutable engine::Model and one engine::Session (KV cache sized from the plan's
//    window, not the model's trained one);
//  - count_tokens / render: the model's own Tokenizer and ChatTemplate from the GGUF metadata
//    (Prompt::rendered = true, tokens counted);
//  - generate: tokenize, prefill in config.engine.prefill_batch steps (time to first token = end of
//    prefill + first decode), decode with the Sampler until EOS / max_tokens / a StopMatcher hit / the
//    callback returns false; metrics from Timer, peak_rss_bytes() and the session's KV bytes;
//  - prepare_prefix: prefill the LC prefix once, Session::save() it under $HAYLOFT_HOME/kv/<key>, and on a
//    later prompt that starts with the same tokens, Session::load() it and prefill only the rest
//    (GenerateMetrics::reused_prefix_tokens).
#include <memory>

#include "pipeline/generator.hpp"

namespace hayloft::engine {
class Model;
}  // namespace hayloft::engine

namespace hayloft::pipeline {

class LocalGenerator final : public Generator {
 public:
  // context: KV length in tokens (0 = the model's window); threads: decode/prefill threads.
  LocalGenerator(std::shared_ptr<const engine::Model> model, const config::EngineConfig& engine);
  ~LocalGenerator() override;

  std::string model_name() const override;
  int context_window() const override;
  int count_tokens(std::string_view text) const override;
  Prompt render(const std::vector<ChatMessage>& messages) const override;
  GenerateResult generate(const Prompt& prompt, const GenerateOptions& options,
                          const TokenCallback& on_token) override;
  std::optional<PrefixHandle> prepare_prefix(const Prompt& prefix) override;

 private:
  struct State;  // engine::Session, Tokenizer, ChatTemplate, Sampler
  std::unique_ptr<State> state_;
};

}  // namespace hayloft::pipeline
