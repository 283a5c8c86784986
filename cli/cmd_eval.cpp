// hayloft eval: a question set asked over a collection (or SQuAD articles, one collection each) in lc, rag
// and auto, scored and summarised per mode, stored as one run (kind eval) whose result is the document
// --json prints. Ctrl-C stops after the current question and still prints and stores what was done.
#include <cstdio>

#include "app/app.hpp"
#include "cli/answer_setup.hpp"
#include "cli/commands.hpp"
#include "cli/interrupt.hpp"

namespace hayloft::cli {

namespace {

constexpr int kDefaultEvalTokens = 32;  // SQuAD answers are a few words; more tokens only cost decode time

std::vector<OptionSpec> eval_options() {
  std::vector<OptionSpec> o = {
      {"collection", 'c', "C", "collection the --set is asked over", "default"},
      {"set", 0, "FILE.jsonl", "question set: one {\"id\",\"question\",\"answers\":[...]} per line", ""},
      {"squad", 0, "FILE.json", "SQuAD v1.1 file: one collection per article (instead of --set)", ""},
      {"articles", 0, "N", "--squad: articles to evaluate (0 = every one that fits)", "0"},
      {"questions-per-article", 0, "K", "--squad: questions per article, spread over paragraphs (0 = all)", "0"},
      {"skip-articles", 0, "S", "--squad: fitting articles passed over first (for disjoint batches)", "0"},
      {"modes", 0, "LIST", "modes to run, e.g. lc,rag", "lc,rag,auto"},
      {"limit", 0, "N", "at most N questions (the first ones, in set order)", "all"}};
  for (auto& a : answer_options("tokens to generate at most per answer", std::to_string(kDefaultEvalTokens))) {
    o.push_back(std::move(a));
  }
  return o;
}

// An answer as a progress-line quote: one line, at most `width` bytes, cut at a UTF-8 boundary.
std::string one_line(std::string s, size_t width) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (s.size() <= width) return s;
  size_t end = width;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end) + "...";
}

int int_flag(const Context& ctx, const char* name, int64_t max) {
  int64_t v = ctx.args.get_int(name, 0);
  if (v < 0 || v > max) throw UsageError{std::string("--") + name + " must be between 0 and " + std::to_string(max)};
  return static_cast<int>(v);
}

void print_text(const nlohmann::json& doc, int64_t run_id) {
  std::printf("%s", doc["table"].get<std::string>().c_str());
  const nlohmann::json& goal = doc["goal"];
  if (!goal["evaluated"].get<bool>()) std::printf("\n%s\n", goal["verdict"].get<std::string>().c_str());
  for (const auto& s : doc["summaries"]) {
    if (s["mode"] == "auto") {
      std::printf("\nauto: %d answers ended on lc, %d on rag, %d fell back\n", s["routed_lc"].get<int>(),
                  s["routed_rag"].get<int>(), s["fallbacks"].get<int>());
    }
  }
  if (doc["interrupted"].get<bool>()) std::printf("\ninterrupted: a partial summary\n");
  std::printf("stored as run %lld\n", static_cast<long long>(run_id));
}

}  // namespace

CommandSpec eval_spec() {
  return {"eval",
          "score lc, rag and auto on a question set (or SQuAD articles)",
          "(--set FILE.jsonl [--collection C] | --squad FILE.json [--articles N] [--questions-per-article K]\n"
          "       [--skip-articles S]) [--modes lc,rag,auto] [-n N] [--limit N] [--model M]",
          "Asks every question in every mode through the same path as `hayloft ask` and scores the answers:\n"
          "exact match and token F1 after SQuAD normalisation, and accuracy by containment of a gold answer\n"
          "(\"unanswerable\" as gold is right when the answer declines), all on the answer with its citation\n"
          "markers and a leading \"The answer is:\" left out. Per mode: accuracy ± standard error,\n"
          "EM, F1, mean prompt / generated / reused-prefix tokens, seconds per question, peak RSS, degenerate\n"
          "answers, auto's route mix and fallbacks, and whether auto met its goal (within one standard error\n"
          "of the better mode at <= 0.4x lc's prompt tokens). Per collection all questions of one mode run\n"
          "before the next mode, so lc's prompt prefix (the whole collection) can stay in the KV cache\n"
          "(engine.prompt_cache_slots keeps it there while auto's rag passes use another).\n"
          "--squad makes one collection per article (squad-<title>, its paragraphs as documents; an identical\n"
          "one is reused), skips articles that do not fit the window in lc (and says so) and takes articles in\n"
          "file order, K questions each spread over the paragraphs. Progress goes to stderr, one line per\n"
          "answer. Ctrl-C stops after the current question; the partial summary is still printed and stored.\n"
          "Stored as one run (kind eval) whose result is the --json document.",
          eval_options(),
          0,
          0};
}

int eval_run(Context& ctx) {
  const bool squad = ctx.args.has("squad");
  if (squad == ctx.args.has("set")) throw UsageError{"give exactly one of --set FILE.jsonl and --squad FILE.json"};
  if (squad && ctx.args.has("collection")) throw UsageError{"--collection goes with --set (--squad makes its own)"};
  for (const char* f : {"articles", "questions-per-article", "skip-articles"}) {
    if (!squad && ctx.args.has(f)) throw UsageError{std::string("--") + f + " goes with --squad"};
  }
  app::EvalRequest request;
  request.squad = squad;
  request.modes = ctx.args.get("modes", "lc,rag,auto");
  try {
    request.settings.modes = eval::parse_modes(request.modes);
  } catch (const Error& e) {
    throw UsageError{e.what()};
  }
  pipeline::AskRequest flags;
  apply_generation_flags(ctx, kDefaultEvalTokens, flags);
  request.settings.max_tokens = flags.max_tokens;
  request.settings.top_k = flags.top_k;
  request.limit = ctx.args.get_int("limit", 0);
  if (request.limit < 0) throw UsageError{"--limit must be >= 1"};
  request.select.articles = int_flag(ctx, "articles", 100000);
  request.select.questions_per_article = int_flag(ctx, "questions-per-article", 100000);
  request.select.skip_articles = int_flag(ctx, "skip-articles", 100000);
  request.set = ctx.args.get(squad ? "squad" : "set");
  const std::string collection = ctx.args.get("collection", "default");

  // The set is read before the model loads: a bad file should cost nothing.
  std::vector<eval::SquadArticle> articles;
  std::vector<eval::QuestionItem> items;
  if (squad) {
    articles = eval::load_squad(request.set);
  } else {
    items = eval::load_question_set(request.set);
    if (items.empty()) throw Error(ErrorKind::kInvalidArgument, "the question set is empty", request.set);
  }
  app::Answering answering(home_of(ctx), engine_choice(ctx),
                           squad ? std::vector<std::string>{} : std::vector<std::string>{collection});
  std::vector<eval::EvalCase> cases;
  if (squad) {
    cases = app::squad_cases(answering, articles, request.select);
  } else {
    for (auto& q : items) cases.push_back({collection, std::move(q)});
  }

  app::EvalOutcome outcome;
  {
    SigintGuard guard;
    eval::EvalHooks hooks;
    hooks.stop = [] { return interrupted(); };
    std::vector<eval::EvalRecord> seen;  // for the running accuracy per mode
    hooks.on_record = [&seen](const eval::EvalRecord& r, size_t done, size_t total) {
      seen.push_back(r);
      const eval::QuestionResult& q = r.result;
      spdlog::info("[{}/{}] {} {} {}: {} ({} via {}, {:.1f} s, {:.1f} s CPU, {} prompt tokens, {} reused) | {}",
                   done, total,
                   r.collection, pipeline::mode_name(q.mode), q.id,
                   q.error ? "error" : (q.score.contains > 0 ? "right" : "wrong"),
                   q.error ? r.error : "\"" + one_line(r.answer, 60) + "\"", pipeline::route_name(q.route), q.seconds,
                   r.cpu_seconds, q.prompt_tokens, q.reused_prefix_tokens, eval::running_accuracy(seen));
    };
    outcome = app::run_eval(answering, std::move(cases), request, hooks);
  }
  if (ctx.json) {
    nlohmann::json doc = outcome.doc;
    doc["ok"] = true;
    doc["run_id"] = outcome.run_id;
    print_json(doc);
  } else {
    print_text(outcome.doc, outcome.run_id);
  }
  return 0;
}

}  // namespace hayloft::cli
