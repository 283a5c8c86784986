// hayloft ask: answer a question over a collection by long context (lc), retrieval (rag) or auto; the
// answer streams on stdout (or one JSON document with --json) and is stored as a run.
#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "engine/engine.hpp"
#include "index/index.hpp"
#include "pipeline/answerer.hpp"
#include "pipeline/local_generator.hpp"
#include "pipeline/pipeline.hpp"
#include "util/util.hpp"

namespace hayloft::cli {

CommandSpec ask_spec() {
  return {"ask",
          "answer a question over a collection (lc, rag or auto)",
          "[--collection C] [--mode lc|rag|auto] [--model M] [-n N] [--top-k K] QUESTION...",
          "lc puts the whole collection in the model's context (refused when it does not fit), rag the best\n"
          "keyword passages in document order, auto tries rag first (asking for \"unanswerable\" when the\n"
          "passages do not hold the answer) and falls back to lc, or a wider rag, on that answer, on low\n"
          "retrieval scores or on a question about the whole collection. The answer streams on stdout, its\n"
          "sources follow; --json prints one document (answer, route and why, citations, tokens, seconds,\n"
          "peak RSS, KV bytes). Every answer is stored as a run (see `hayloft runs`).",
          {{"collection", 'c', "C", "collection to ask", "default"},
           {"mode", 0, "MODE", "lc | rag | auto", "pipeline.default_mode"},
           {"model", 'm', "NAME|PATH", "answering model (see `hayloft model list`)", "engine.default_model"},
           {"tokens", 'n', "N", "tokens to generate at most", "sampling.max_tokens"},
           {"top-k", 'k', "K", "passages retrieved for rag", "pipeline.rag_top_k"},
           {"threads", 't', "N", "worker threads", "engine.threads"},
           {"ctx", 0, "N", "KV-cache positions (0 = the model's window)", "engine.context"}},
          1,
          -1};
}

namespace {

pipeline::AskRequest ask_request(const Context& ctx) {
  pipeline::AskRequest r;
  for (const auto& w : ctx.args.positional()) r.question += (r.question.empty() ? "" : " ") + w;
  r.collection = ctx.args.get("collection", "default");
  try {
    r.mode = pipeline::parse_mode(ctx.args.get("mode", ctx.config.pipeline.default_mode));
  } catch (const Error& e) {
    throw UsageError{e.what()};
  }
  int64_t n = ctx.args.get_int("tokens", ctx.config.sampling.max_tokens);
  if (n < 1 || n > 100000) throw UsageError{"-n must be between 1 and 100000"};
  r.max_tokens = static_cast<int>(n);
  int64_t k = ctx.args.get_int("top-k", 0);
  if (k < 0 || k > 1000) throw UsageError{"--top-k must be between 1 and 1000"};
  r.top_k = static_cast<int>(k);
  return r;
}

void print_sources(const pipeline::Answer& a) {
  if (a.citations.citations.empty()) return;
  std::printf("\nSources:\n");
  for (const auto& c : a.citations.citations) {
    std::printf("  [C%d] %s (chunk %lld, bytes %lld-%lld, %s)\n", c.marker, c.document_path.c_str(),
                static_cast<long long>(c.chunk_id), static_cast<long long>(c.source_start),
                static_cast<long long>(c.source_end), pipeline::citation_source_name(c.source));
  }
}

}  // namespace

int ask_run(Context& ctx) {
  pipeline::AskRequest request = ask_request(ctx);
  config::Config config = ctx.config;
  config.engine.threads = static_cast<int>(ctx.args.get_int("threads", config.engine.threads));
  config.engine.context = static_cast<int>(ctx.args.get_int("ctx", config.engine.context));
  if (config.engine.threads < 1 || config.engine.threads > 256) throw UsageError{"--threads must be in 1..256"};
  if (config.engine.context < 0) throw UsageError{"--ctx must be >= 0"};

  index::Library library(ctx.home, config, index::Library::Mode::kWrite);
  // Checked before the model loads: a typo should not cost a model load.
  auto info = library.store().find_collection(request.collection);
  if (!info) throw Error(ErrorKind::kNotFound, "no such collection (see `hayloft collections`)", request.collection);
  if (info->chunks == 0) {
    throw Error(ErrorKind::kInvalidArgument, "collection '" + request.collection + "' is empty: ingest documents first");
  }

  const std::string path = engine::resolve_model(ctx.args.get("model", config.engine.default_model),
                                                 engine::default_model_dirs(config.engine.model_dirs));
  pipeline::LocalGenerator generator(engine::Model::load(path), config.engine);
  pipeline::Answerer answerer(library, generator, generator.planner_info(), generator.model_key(), config);

  const bool stream = !ctx.json;
  pipeline::AskOutcome outcome = answerer.ask(request, [stream](std::string_view text) {
    if (!stream) return;
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  });
  const int64_t run_id = answerer.store_run(request, outcome);
  const pipeline::Answer& a = outcome.answer;
  if (ctx.json) {
    nlohmann::json doc = pipeline::ask_result_json(outcome);
    doc["ok"] = true;
    doc["run_id"] = run_id;
    doc["collection_name"] = request.collection;
    print_json(doc);
    return 0;
  }
  std::fputc('\n', stdout);
  if (a.degeneration.degenerate()) spdlog::warn("{}", pipeline::degeneration_notice(a.degeneration));
  print_sources(a);
  const pipeline::GenerateMetrics& m = a.attempts.back().metrics;
  spdlog::info("route {} ({}); {} prompt tokens, {} generated; ttft {:.2f} s; peak RSS {:.0f} MiB; run {}",
               pipeline::route_name(a.route), a.attempts.back().plan.reason, m.prompt_tokens, m.generated_tokens,
               m.time_to_first_token_s, static_cast<double>(m.peak_rss_bytes) / (1 << 20), run_id);
  return 0;
}

}  // namespace hayloft::cli
