#include "cli/answer_setup.hpp"

namespace hayloft::cli {

std::vector<OptionSpec> answer_options(const std::string& tokens_help, const std::string& tokens_default) {
  return {{"model", 'm', "NAME|PATH", "answering model (see `hayloft model list`)", "engine.default_model"},
          {"tokens", 'n', "N", tokens_help, tokens_default},
          {"top-k", 'k', "K", "passages retrieved for rag", "pipeline.rag_top_k"},
          {"threads", 't', "N", "worker threads", "engine.threads"},
          {"ctx", 0, "N", "KV-cache positions (0 = the model's window)", "engine.context"}};
}

app::Home home_of(const Context& ctx) { return {ctx.home, ctx.config}; }

app::EngineChoice engine_choice(const Context& ctx) {
  app::EngineChoice choice;
  choice.model = ctx.args.get("model", "");
  if (ctx.args.has("threads")) choice.threads = ctx.args.get_int("threads", 0);
  if (ctx.args.has("ctx")) choice.context = ctx.args.get_int("ctx", 0);
  try {
    app::with_engine_choice(ctx.config, choice);
  } catch (const Error& e) {
    throw UsageError{e.message()};
  }
  return choice;
}

void apply_generation_flags(const Context& ctx, int default_tokens, pipeline::AskRequest& request) {
  int64_t n = ctx.args.get_int("tokens", default_tokens);
  if (n < 1 || n > 100000) throw UsageError{"-n must be between 1 and 100000"};
  request.max_tokens = static_cast<int>(n);
  int64_t k = ctx.args.get_int("top-k", 0);
  if (k < 0 || k > 1000) throw UsageError{"--top-k must be between 1 and 1000"};
  request.top_k = static_cast<int>(k);
}

}  // namespace hayloft::cli
