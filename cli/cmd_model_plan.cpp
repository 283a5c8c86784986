// hayloft model plan: what the planner decides before anything runs — the window, KV bytes per token,
// weights, the memory a whole collection needs in lc, whether it fits, the route auto starts with and
// the rag budgets — from the GGUF metadata and the collection's token counts (by the model's tokenizer).
#include <algorithm>
#include <cstdio>

#include "cli/answer_setup.hpp"
#include "cli/commands.hpp"
#include "engine/engine.hpp"
#include "index/index.hpp"
#include "pipeline/pipeline.hpp"
#include "util/util.hpp"

namespace hayloft::cli {

namespace {

double mib(int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

nlohmann::json memory_json(const pipeline::MemoryEstimate& m) {
  return {{"tokens", m.tokens},
          {"weights_bytes", m.weights_bytes},
          {"kv_bytes", m.kv_bytes},
          {"scratch_bytes", m.scratch_bytes},
          {"total_bytes", m.total_bytes}};
}

// The planner's view of the collection for every mode; a question of no tokens stands in for the real one
// (each real question takes its own tokens from the room).
nlohmann::json plan_json(const pipeline::PlanInput& base, const config::PipelineConfig& pipeline_config) {
  config::PipelineConfig cfg = pipeline_config;
  cfg.lc_overflow = "truncate";  // to report whether lc fits rather than refuse
  pipeline::PlanInput in = base;
  in.mode = pipeline::Mode::kLc;
  pipeline::Plan lc = pipeline::plan(in, cfg);
  in.mode = pipeline::Mode::kRag;
  pipeline::Plan rag = pipeline::plan(in, cfg);
  in.mode = pipeline::Mode::kAuto;
  pipeline::Plan first = pipeline::plan(in, cfg);
  in.rag_answered_unanswerable = true;
  pipeline::Plan fallback = pipeline::plan(in, cfg);
  return {{"collection", {{"documents", base.collection.documents},
                          {"chunks", base.collection.chunks},
                          {"tokens", base.collection.total_tokens}}},
          {"instruction_tokens", base.instruction_tokens},
          {"answer_reserve_tokens", cfg.answer_reserve_tokens},
          {"usable_window", lc.window_tokens},
          {"context_room", lc.context_room},
          {"lc", {{"tokens", lc.lc_tokens},
                  {"fits", lc.lc_fits},
                  {"overflow_policy", pipeline_config.lc_overflow},
                  {"memory_estimate", memory_json(lc.memory)}}},
          {"rag", {{"top_k", rag.top_k},
                   {"token_budget", rag.token_budget},
                   {"wide_top_k", cfg.rag_wide_top_k},
                   {"wide_token_budget", std::min(cfg.rag_wide_token_budget, lc.context_room)},
                   {"memory_estimate", memory_json(rag.memory)}}},
          {"auto", {{"route", pipeline::route_name(first.route)},
                    {"reason", first.reason},
                    {"fallback_route", pipeline::route_name(fallback.route)},
                    {"fallback_reason", fallback.reason}}}};
}

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
  config::Config config = answer_config(ctx);
  const std::string path = model_path(ctx, config);
  std::shared_ptr<const engine::Model> model = engine::Model::load(path);
  const engine::ModelInfo& info = model->info();
  pipeline::LocalGenerator generator(model, config.engine);
  const pipeline::ModelInfo planner = generator.planner_info();
  nlohmann::json doc = {
      {"ok", true},
      {"model", planner.name},
      {"path", path},
      {"window", planner.context_window},
      {"trained_window", info.context_length},
      {"kv_type", config.engine.kv_type},
      {"kv_bytes_per_token", {{"f16", info.kv_bytes_per_token(engine::KvType::kF16, planner.context_window)},
                              {"f32", info.kv_bytes_per_token(engine::KvType::kF32, planner.context_window)}}},
      {"weights_bytes", planner.weights_bytes},
      {"scratch_bytes", config.pipeline.scratch_bytes},
      {"memory_budget_bytes", config.pipeline.memory_budget_bytes}};

  pipeline::PlanInput in;
  in.model = planner;
  if (ctx.args.has("collection")) {
    const std::string name = ctx.args.get("collection");
    // Read-only for Xapian (an eval may hold the writer); the store still caches the token counts.
    index::Library library(ctx.home, config, index::Library::Mode::kRead);
    require_collection(library, name);
    pipeline::Answerer answerer(library, generator, planner, generator.model_key(), config);
    in.collection = answerer.stats_of(answerer.collection_chunks(name));
    in.instruction_tokens = answerer.instruction_tokens();
    doc["collection"] = name;
  } else if (ctx.args.has("tokens")) {
    int64_t n = ctx.args.get_int("tokens", 0);
    if (n < 1 || n > (int64_t{1} << 40)) throw UsageError{"--tokens must be >= 1"};
    const int64_t chunk = std::max(1, config.ingest.chunk_tokens);
    in.collection = {1, (n + chunk - 1) / chunk, n};  // one document in chunks of ingest.chunk_tokens
    for (pipeline::Route r : {pipeline::Route::kLc, pipeline::Route::kRag}) {  // as Answerer counts them
      int t = generator.render(pipeline::build_messages(config.pipeline, r, {}, "", true)).tokens;
      in.instruction_tokens = std::max(in.instruction_tokens, t);
    }
    doc["collection"] = std::to_string(n) + " tokens";
  }
  if (in.collection.chunks > 0) doc["plan"] = plan_json(in, config.pipeline);
  if (ctx.json) {
    print_json(doc);
  } else {
    print_text(doc);
  }
  return 0;
}

}  // namespace hayloft::cli
