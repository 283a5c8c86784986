// hayloft model plan: what the planner decides before anything runs — the window, KV bytes per token,
// weights, the memory a whole collection needs in lc, whether it fits, the route auto starts with and
// the rag budgets — from the GGUF metadata and the collection's token counts (by the model's tokenizer).
#include <cstdio>

#include "app/app.hpp"
#include "cli/answer_setup.hpp"
#include "cli/commands.hpp"

namespace hayloft::cli {

namespace {

double mib(int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

void print_text(const nlohmann::json& d) {
  std::printf("model %s (%s)\n", d["model"].get<std::string>().c_str(), d["path"].get<std::string>().c_str());
  std::printf("window %d tokens (trained %lld); KV %.0f bytes/token f16, %.0f f32 (%s in use); weights %.1f MiB\n",
              d["window"].get<int>(), d["trained_window"].get<long long>(), d["kv_bytes_per_token"]["f16"].get<double>(),
              d["kv_bytes_per_token"]["f32"].get<double>(), d["kv_type"].get<std::string>().c_str(),
              mib(d["weights_bytes"].get<int64_t>()));
  if (!d.contains("plan")) return;
  const auto& p = d["plan"];
  const auto& lc = p["lc"];
  std::printf("collection %s: %lld documents, %lld chunks, %lld tokens\n", d["collection"].get<std::string>().c_str(),
              p["collection"]["documents"].get<long long>(), p["collection"]["chunks"].get<long long>(),
              p["collection"]["tokens"].get<long long>());
  std::printf("lc: about %lld tokens in context, %d free: %s; memory estimate %.1f MiB (KV %.1f MiB)\n",
              lc["tokens"].get<long long>(), p["context_room"].get<int>(), lc["fits"].get<bool>() ? "fits" : "does not fit",
              mib(lc["memory_estimate"]["total_bytes"].get<int64_t>()), mib(lc["memory_estimate"]["kv_bytes"].get<int64_t>()));
  std::printf("rag: top %d passages within %d tokens (wide: %d within %d)\n", p["rag"]["top_k"].get<int>(),
              p["rag"]["token_budget"].get<int>(), p["rag"]["wide_top_k"].get<int>(),
              p["rag"]["wide_token_budget"].get<int>());
  std::printf("auto starts with %s (%s); on fallback %s\n", p["auto"]["route"].get<std::string>().c_str(),
              p["auto"]["reason"].get<std::string>().c_str(), p["auto"]["fallback_route"].get<std::string>().c_str());
}

}  // namespace

CommandSpec model_plan_spec() {
  return {"model plan",
          "what the planner decides for a model and a collection (window, memory, routes)",
          "[--model M] [--collection C | --tokens N] [--ctx N]",
          "From the GGUF metadata: the window, KV-cache bytes per token (f16 and f32), the weights' bytes.\n"
          "With a collection (its chunks counted by the model's tokenizer, kept in the store) or a token\n"
          "count: the memory the whole collection needs in lc (weights + KV + scratch), whether it fits, the\n"
          "route auto starts with and where it falls back to, and the rag budgets. Nothing is generated.",
          {{"model", 'm', "NAME|PATH", "model to plan for (see `hayloft model list`)", "engine.default_model"},
           {"collection", 'c', "C", "collection to plan for", ""},
           {"tokens", 0, "N", "plan for a collection of N tokens instead", ""},
           {"ctx", 0, "N", "KV-cache positions (0 = the model's window)", "engine.context"}},
          0,
          0};
}

int model_plan_run(Context& ctx) {
  if (ctx.args.has("collection") && ctx.args.has("tokens")) throw UsageError{"give --collection or --tokens, not both"};
  app::PlanRequest request;
  request.engine = engine_choice(ctx);
  request.collection = ctx.args.get("collection");
  if (ctx.args.has("tokens")) {
    request.tokens = ctx.args.get_int("tokens", 0);
    if (*request.tokens < 1 || *request.tokens > (int64_t{1} << 40)) throw UsageError{"--tokens must be >= 1"};
  }
  nlohmann::json doc = app::model_plan(home_of(ctx), request);
  if (ctx.json) {
    print_json(doc);
  } else {
    print_text(doc);
  }
  return 0;
}

}  // namespace hayloft::cli
