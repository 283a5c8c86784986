#pragma once
// What every answering command (ask, compare, eval, model plan) sets up the same way: the engine flags
// (--threads, --ctx) over the config, -n and --top-k checked, the library opened for writing with the
// collections checked before the model loads (a typo should not cost a model load), the model resolved
// and loaded behind the Generator seam, and the Answerer on top.
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "index/index.hpp"
#include "pipeline/answerer.hpp"
#include "pipeline/local_generator.hpp"

namespace hayloft::cli {

// --model, -n, --top-k, --threads, --ctx as ask declares them; `tokens_default` is shown in --help.
std::vector<OptionSpec> answer_options(const std::string& tokens_help, const std::string& tokens_default);

// The config with --threads and --ctx applied. UsageError for values out of range.
config::Config answer_config(const Context& ctx);

// -n (1..100000; `default_tokens` when absent) and --top-k (0 = config) into a request.
void apply_generation_flags(const Context& ctx, int default_tokens, pipeline::AskRequest& request);

// Error{kNotFound} for an unknown collection, Error{kInvalidArgument} for one without chunks.
void require_collection(index::Library& library, const std::string& collection);

// The model file --model names (default engine.default_model). Error{kNotFound} when none matches.
std::string model_path(const Context& ctx, const config::Config& config);

// Resolves --model and loads it behind the generation seam.
std::unique_ptr<pipeline::LocalGenerator> load_generator(const Context& ctx, const config::Config& config);

// Config, library, generator and answerer, built in that order; `collections` are checked with
// require_collection() before the model loads. Pinned in place: the Answerer refers to the others.
struct AnswerStack {
  AnswerStack(const Context& ctx, const std::vector<std::string>& collections);
  AnswerStack(const AnswerStack&) = delete;
  AnswerStack& operator=(const AnswerStack&) = delete;

  config::Config config;
  index::Library library;
  pipeline::ModelInfo model_info;  // the planner's view of the model (LocalGenerator::planner_info)
  std::string model_key;           // LocalGenerator::model_key
  std::unique_ptr<pipeline::Generator> generator;
  std::unique_ptr<pipeline::Answerer> answerer;
};

}  // namespace hayloft::cli
