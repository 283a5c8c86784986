// hayloft ask: answer a question over a collection by long context (lc), retrieval (rag) or auto; the
// answer streams on stdout (or one JSON document with --json) and is stored as a run.
#include <cstdio>
#include <memory>

#include "app/app.hpp"
#include "cli/answer_setup.hpp"
#include "cli/commands.hpp"

namespace hayloft::cli {

namespace {

std::vector<OptionSpec> ask_options() {
  std::vector<OptionSpec> o = {{"collection", 'c', "C", "collection to ask", "default"},
                               {"mode", 0, "MODE", "lc | rag | auto", "pipeline.default_mode"}};
  for (auto& a : answer_options("tokens to generate at most", "sampling.max_tokens")) o.push_back(std::move(a));
  return o;
}

}  // namespace

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
          ask_options(),
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
  apply_generation_flags(ctx, ctx.config.sampling.max_tokens, r);
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
  app::Answering answering(home_of(ctx), engine_choice(ctx), {request.collection});

  const bool stream = !ctx.json;
  app::AskResult result = app::ask(answering, request, [stream](std::string_view text) {
    if (!stream) return;
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  });
  if (ctx.json) {
    print_json(app::ask_json(result, request));
    return 0;
  }
  const pipeline::Answer& a = result.outcome.answer;
  std::fputc('\n', stdout);
  if (a.degeneration.degenerate()) spdlog::warn("{}", pipeline::degeneration_notice(a.degeneration));
  print_sources(a);
  const pipeline::GenerateMetrics& m = a.attempts.back().metrics;
  spdlog::info("route {} ({}); {} prompt tokens, {} generated; ttft {:.2f} s; peak RSS {:.0f} MiB; run {}",
               pipeline::route_name(a.route), a.attempts.back().plan.reason, m.prompt_tokens, m.generated_tokens,
               m.time_to_first_token_s, static_cast<double>(m.peak_rss_bytes) / (1 << 20), result.run_id);
  return 0;
}

}  // namespace hayloft::cli
