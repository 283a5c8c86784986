// hayloft compare: one question answered by lc, rag and auto side by side — answer, citations, prompt
// tokens, seconds, peak memory, and the cost projections (hosted Llama 4 prices; the whole collection's
// prefill time at the speed measured in this run). One model load serves all three; stored as one run.
#include <cstdio>
#include <memory>
#include <optional>

#include "app/app.hpp"
#include "cli/answer_setup.hpp"
#include "cli/commands.hpp"

namespace hayloft::cli {

namespace {

double usd(const pipeline::RouteCost& c, size_t i) { return i < c.hosted.size() ? c.hosted[i].total_usd : 0; }

void print_table(const std::vector<app::CompareRow>& rows, const config::Config& config) {
  std::string p0 = config.pipeline.prices.size() > 0 ? config.pipeline.prices[0].model : "-";
  std::string p1 = config.pipeline.prices.size() > 1 ? config.pipeline.prices[1].model : "-";
  std::printf("%-5s %-5s %8s %5s %8s %7s %9s %10s %10s %11s %5s\n", "MODE", "ROUTE", "PROMPT", "GEN", "SECONDS",
              "TTFT", "PEAK MiB", p0.substr(0, 10).c_str(), p1.substr(0, 10).c_str(), "ALL PREFILL", "CITES");
  for (const app::CompareRow& r : rows) {
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
  for (const app::CompareRow& r : rows) {
    if (!r.outcome) continue;
    const pipeline::Answer& a = r.outcome->answer;
    std::printf("%s (%s: %s):\n  %s\n", pipeline::mode_name(r.mode), pipeline::route_name(a.route),
                a.attempts.back().plan.reason.c_str(), a.text.c_str());
    if (a.degeneration.degenerate()) std::printf("  [%s]\n", pipeline::degeneration_notice(a.degeneration).c_str());
  }
}

std::vector<OptionSpec> compare_options() {
  std::vector<OptionSpec> o = {{"collection", 'c', "C", "collection to ask", "default"}};
  for (auto& a : answer_options("tokens to generate at most per answer", "sampling.max_tokens")) {
    o.push_back(std::move(a));
  }
  return o;
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
          compare_options(),
          1,
          -1};
}

int compare_run(Context& ctx) {
  pipeline::AskRequest request;
  for (const auto& w : ctx.args.positional()) request.question += (request.question.empty() ? "" : " ") + w;
  request.collection = ctx.args.get("collection", "default");
  apply_generation_flags(ctx, ctx.config.sampling.max_tokens, request);
  app::Answering answering(home_of(ctx), engine_choice(ctx), {request.collection});
  app::CompareResult result = app::compare(answering, request, [](const app::CompareRow& row) {
    spdlog::info("{}: {}", pipeline::mode_name(row.mode), row.outcome ? "done" : row.error);
  });
  if (ctx.json) {
    print_json({{"ok", true}, {"run_id", result.run_id}, {"question", request.question},
                {"collection", request.collection}, {"model", answering.generator->model_name()},
                {"modes", result.modes}});
    return 0;
  }
  print_table(result.rows, answering.config);
  spdlog::info("stored as run {}", result.run_id);
  return 0;
}

}  // namespace hayloft::cli
