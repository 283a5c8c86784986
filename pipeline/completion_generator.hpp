#pragma once
// A Generator for base models (no chat template, e.g. the packaged Gemma 3 270M): the messages are joined
// as plain text (the system message left out, the rest separated by blank lines) and the model continues
// it; generation stops at the first newline, since a completion prompt asks for one short line. Used by
// `niah --completion`, where the question ends in "Answer:" followed by the needle's own words up to its
// fact, so the continuation is the fact. Everything else as LocalGenerator (engine Session, greedy or
// sampled by config, metrics measured).
#include <memory>

#include "pipeline/generator.hpp"
#include "pipeline/planner.hpp"

namespace hayloft::engine {
class Model;
}  // namespace hayloft::engine

namespace hayloft::pipeline {

class CompletionGenerator final : public Generator {
 public:
  CompletionGenerator(std::shared_ptr<const engine::Model> model, const config::EngineConfig& engine);
  ~CompletionGenerator() override;

  std::string model_name() const override;
  int context_window() const override;
  int count_tokens(std::string_view text) const override;
  Prompt render(const std::vector<ChatMessage>& messages) const override;
  GenerateResult generate(const Prompt& prompt, const GenerateOptions& options,
                          const TokenCallback& on_token) override;

  std::string model_key() const;  // as LocalGenerator: "<file name>:<file bytes>"
  ModelInfo planner_info() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace hayloft::pipeline
