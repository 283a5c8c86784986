// model plan: what the planner decides for a model and a collection, before anything runs.
#include <algorithm>

#include "app/app.hpp"

namespace hayloft::app {

namespace {

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

}  // namespace

nlohmann::json model_plan(const Home& home, const PlanRequest& request) {
  if (!request.collection.empty() && request.tokens) {
    throw Error(ErrorKind::kInvalidArgument, "give a collection or a token count, not both");
  }
  if (request.tokens && (*request.tokens < 1 || *request.tokens > (int64_t{1} << 40))) {
    throw Error(ErrorKind::kInvalidArgument, "--tokens must be >= 1");
  }
  const config::Config config = with_engine_choice(home.config, request.engine);
  const std::string path = model_path(config, request.engine.model);
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
  if (!request.collection.empty()) {
    // Read-only for Xapian (an eval may hold the writer); the store still caches the token counts.
    index::Library library(home.dir, config, index::Library::Mode::kRead);
    require_collection(library, request.collection);
    pipeline::Answerer answerer(library, generator, planner, generator.model_key(), config);
    in.collection = answerer.stats_of(answerer.collection_chunks(request.collection));
    in.instruction_tokens = answerer.instruction_tokens();
    doc["collection"] = request.collection;
  } else if (request.tokens) {
    const int64_t n = *request.tokens;
    const int64_t chunk = std::max(1, config.ingest.chunk_tokens);
    in.collection = {1, (n + chunk - 1) / chunk, n};  // one document in chunks of ingest.chunk_tokens
    for (pipeline::Route r : {pipeline::Route::kLc, pipeline::Route::kRag}) {  // as Answerer counts them
      int t = generator.render(pipeline::build_messages(config.pipeline, r, {}, "", true)).tokens;
      in.instruction_tokens = std::max(in.instruction_tokens, t);
    }
    doc["collection"] = std::to_string(n) + " tokens";
  }
  if (in.collection.chunks > 0) doc["plan"] = plan_json(in, config.pipeline);
  return doc;
}

}  // namespace hayloft::app
