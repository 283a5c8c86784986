#include "cli/answer_setup.hpp"

#include "engine/engine.hpp"
#include "util/util.hpp"

namespace hayloft::cli {

std::vector<OptionSpec> answer_options(const std::string& tokens_help, const std::string& tokens_default) {
  return {{"model", 'm', "NAME|PATH", "answering model (see `hayloft model list`)", "engine.default_model"},
          {"tokens", 'n', "N", tokens_help, tokens_default},
          {"top-k", 'k', "K", "passages retrieved for rag", "pipeline.rag_top_k"},
          {"threads", 't', "N", "worker threads", "engine.threads"},
          {"ctx", 0, "N", "KV-cache positions (0 = the model's window)", "engine.context"}};
}

config::Config answer_config(const Context& ctx) {
  config::Config config = ctx.config;
  config.engine.threads = static_cast<int>(ctx.args.get_int("threads", config.engine.threads));
  config.engine.context = static_cast<int>(ctx.args.get_int("ctx", config.engine.context));
  if (config.engine.threads < 1 || config.engine.threads > 256) throw UsageError{"--threads must be in 1..256"};
  if (config.engine.context < 0) throw UsageError{"--ctx must be >= 0"};
  return config;
}

void apply_generation_flags(const Context& ctx, int default_tokens, pipeline::AskRequest& request) {
  int64_t n = ctx.args.get_int("tokens", default_tokens);
  if (n < 1 || n > 100000) throw UsageError{"-n must be between 1 and 100000"};
  request.max_tokens = static_cast<int>(n);
  int64_t k = ctx.args.get_int("top-k", 0);
  if (k < 0 || k > 1000) throw UsageError{"--top-k must be between 1 and 1000"};
  request.top_k = static_cast<int>(k);
}

void require_collection(index::Library& library, const std::string& collection) {
  auto info = library.store().find_collection(collection);
  if (!info) throw Error(ErrorKind::kNotFound, "no such collection (see `hayloft collections`)", collection);
  if (info->chunks == 0) {
    throw Error(ErrorKind::kInvalidArgument, "collection '" + collection + "' is empty: ingest documents first");
  }
}

std::string model_path(const Context& ctx, const config::Config& config) {
  return engine::resolve_model(ctx.args.get("model", config.engine.default_model),
                               engine::default_model_dirs(config.engine.model_dirs));
}

std::unique_ptr<pipeline::LocalGenerator> load_generator(const Context& ctx, const config::Config& config) {
  return std::make_unique<pipeline::LocalGenerator>(engine::Model::load(model_path(ctx, config)), config.engine);
}

AnswerStack::AnswerStack(const Context& ctx, const std::vector<std::string>& collections)
    : config(answer_config(ctx)), library(ctx.home, config, index::Library::Mode::kWrite) {
  for (const auto& c : collections) require_collection(library, c);
  auto local = load_generator(ctx, config);
  model_info = local->planner_info();
  model_key = local->model_key();
  generator = std::move(local);
  answerer = std::make_unique<pipeline::Answerer>(library, *generator, model_info, model_key, config);
}

}  // namespace hayloft::cli
