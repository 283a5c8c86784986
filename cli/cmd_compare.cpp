// hayloft compare: one question answered by lc, rag and auto side by side — answer, citations, prompt
// tokens, seconds, peak memory, and the cost projections (hosted Llama 4 prices; the whole collection's
// prefill time at the speed measured in this run). One model load serves all three; stored as one run.
#include <cstdio>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "engine/engine.hpp"
#include "index/index.hpp"
#include "pipeline/answerer.hpp"
#include "pipeline/local_generator.hpp"
#include "pipeline/pipeline.hpp"
#include "util/util.hpp"

namespace hayloft::cli {

namespace {

constexpr pipeline::Mode kModes[] = {pipeline::Mode::kLc, pipeline::Mode::kRag, pipeline::Mode::kAuto};

struct Row {
  pipeline::Mode mode;
  std::optional<pipeline::AskOutcome> outcome;
  std::string error;  // e.g. lc refused: the collection does not fit
};

double usd(const pipeline::RouteCost& c, size_t i) { return i < c.hosted.size() ? c.hosted[i].total_usd : 0; }

void print_table(const std::vector<Row>& rows, const config::Config& config) {
  std::string p0 = config.pipeline.prices.size() > 0 ? config.pipeline.prices[0].model : "-";
  std::string p1 = config.pipeline.prices.size() > 1 ? config.pipeline.prices[1].model : "-";
  std::printf("%-5s %-5s %8s %5s %8s %7s %9s %10s %10s %11s %5s\n", "MODE", "ROUTE", "PROMPT", "GEN", "SECONDS",
              "TTFT", "PEAK MiB", p0.substr(0, 10).c_str(), p1.substr(0, 10).c_str(), "ALL PREFILL", "CITES");
  for (const Row& r : rows) {
    if (!r.outcome) {
      std::printf("%-5s refused: %s\n", pipeline::mode_name(r.mode), r.error.c_str());
      continue;
    }
    const pipeline::Answer& a = r.outcome->answer;
    const pipeline::GenerateMetrics& m = a.attempts.back().metrics;
    double seconds = 0;
    for (const auto& t : a.attempts) seconds += t.metrics.total_s;
    std::printf("%-5s %-5s %8d %5d %8.2f %7.2f %9.0f %10.6f %10.6f %10.1fs %5zu\n", pipeline::mode_name(r.mode),
                pipeline::route_name(a.route), m.prompt_tokens, m.generated_tokens, seconds,
                m.time_to_first_token_s, static_cast<double>(m.peak_rss_bytes) / (1 << 20), usd(a.cost, 0),
                usd(a.cost, 1), a.cost.collection_prefill_s, a.citations.citations.size());
  }
  std::printf("\n");
  for (const Row& r : rows) {
    if (!r.outcome) continue;
    const pipeline::Answer& a = r.outcome->answer;
    std::printf("%s (%s: %s):\n  %s\n", pipeline::mode_name(r.mode), pipeline::route_name(a.route),
                a.attempts.back().plan.reason.c_str(), a.text.c_str());
    if (a.degeneration.degenerate()) std::printf("  [%s]\n", pipeline::degeneration_notice(a.degeneration).c_str());
  }
}

}  // namespace

CommandSpec compare_spec() {
  return {"compare",
          "answer one question by lc, rag and auto side by side, with costs",
          "[--collection C] [--model M] [-n N] [--top-k K] QUESTION...",
          "Runs the three modes on the same question with one loaded model and prints a table: route,\n"
          "prompt and generated tokens, seconds, time to first token, peak RSS (of the process so far), the\n"
          "cost of the same tokens on hosted models (config pipeline.prices) and the time to prefill the\n"
          "whole collection at this run's measured prefill speed; then the answers. A mode that cannot run\n"
          "(lc on a collection over the window) is shown as refused. Stored as one run (kind compare).",
          {{"collection", 'c', "C", "collection to ask", "default"},
           {"model", 'm', "NAME|PATH", "answering model (see `hayloft model list`)", "engine.default_model"},
           {"tokens", 'n', "N", "tokens to generate at most per answer", "sampling.max_tokens"},
           {"top-k", 'k', "K", "passages retrieved for rag", "pipeline.rag_top_k"},
           {"threads", 't', "N", "worker threads", "engine.threads"},
           {"ctx", 0, "N", "KV-cache positions (0 = the model's window)", "engine.context"}},
          1,
          -1};
}

int compare_run(Context& ctx) {
  pipeline::AskRequest request;
  for (const auto& w : ctx.args.positional()) request.question += (request.question.empty() ? "" : " ") + w;
  request.collection = ctx.args.get("collection", "default");
  int64_t n = ctx.args.get_int("tokens", ctx.config.sampling.max_tokens);
  if (n < 1 || n > 100000) throw UsageError{"-n must be between 1 and 100000"};
  request.max_tokens = static_cast<int>(n);
  int64_t k = ctx.args.get_int("top-k", 0);
  if (k < 0 || k > 1000) throw UsageError{"--top-k must be between 1 and 1000"};
  request.top_k = static_cast<int>(k);
  config::Config config = ctx.config;
  config.engine.threads = static_cast<int>(ctx.args.get_int("threads", config.engine.threads));
  config.engine.context = static_cast<int>(ctx.args.get_int("ctx", config.engine.context));
  if (config.engine.threads < 1 || config.engine.threads > 256) throw UsageError{"--threads must be in 1..256"};
  if (config.engine.context < 0) throw UsageError{"--ctx must be >= 0"};

  index::Library library(ctx.home, config, index::Library::Mode::kWrite);
  auto info = library.store().find_collection(request.collection);
  if (!info) throw Error(ErrorKind::kNotFound, "no such collection (see `hayloft collections`)", request.collection);
  if (info->chunks == 0) {
    throw Error(ErrorKind::kInvalidArgument, "collection '" + request.collection + "' is empty: ingest documents first");
  }
  const std::string path = engine::resolve_model(ctx.args.get("model", config.engine.default_model),
                                                 engine::default_model_dirs(config.engine.model_dirs));
  pipeline::LocalGenerator generator(engine::Model::load(path), config.engine);
  pipeline::Answerer answerer(library, generator, generator.planner_info(), generator.model_key(), config);

  std::vector<Row> rows;
  for (pipeline::Mode mode : kModes) {
    Row row{mode, std::nullopt, {}};
    request.mode = mode;
    try {
      row.outcome = answerer.ask(request);
    } catch (const Error& e) {
      // Only the planner's refusal is a result; anything else (I/O, corrupt data) ends the command.
      if (e.kind() != ErrorKind::kResourceExhausted) throw;
      row.error = e.what();
    }
    spdlog::info("{}: {}", pipeline::mode_name(mode), row.outcome ? "done" : row.error);
    rows.push_back(std::move(row));
  }

  nlohmann::json modes = nlohmann::json::array();
  std::string routes;
  for (const Row& r : rows) {
    nlohmann::json j = r.outcome ? pipeline::ask_result_json(*r.outcome)
                                 : nlohmann::json{{"mode", pipeline::mode_name(r.mode)}, {"error", r.error}};
    modes.push_back(j);
    routes += (routes.empty() ? "" : ",") + (r.outcome ? std::string(pipeline::route_name(r.outcome->answer.route)) : "-");
  }
  index::RunRecord run;
  run.kind = "compare";
  run.collection = request.collection;
  run.question = request.question;
  run.route = routes;  // lc,rag,auto's route
  run.reason = "lc, rag and auto side by side";
  run.params = {{"model", generator.model_name()}, {"model_key", generator.model_key()},
                {"max_tokens", request.max_tokens}, {"top_k", request.top_k}};
  run.result = {{"modes", modes}};
  run.metrics = {{"peak_rss_bytes", peak_rss_bytes()}};
  const int64_t run_id = library.store().add_run(run);

  if (ctx.json) {
    print_json({{"ok", true}, {"run_id", run_id}, {"question", request.question},
                {"collection", request.collection}, {"model", generator.model_name()}, {"modes", modes}});
    return 0;
  }
  print_table(rows, config);
  spdlog::info("stored as run {}", run_id);
  return 0;
}

}  // namespace hayloft::cli
