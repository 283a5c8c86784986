// hayloft eval: a question set asked over a collection (or SQuAD articles, one collection each) in lc, rag
// and auto, scored and summarised per mode, stored as one run (kind eval) whose result is the document
// --json prints. Ctrl-C stops after the current question and still prints and stores what was done.
#include <algorithm>
#include <cstdio>
#include <map>

#include "cli/answer_setup.hpp"
#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "eval/eval.hpp"
#include "index/index.hpp"
#include "pipeline/pipeline.hpp"
#include "util/util.hpp"

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

// Says why an article does not fit the window in lc (empty when it does), from the planner itself: the
// article's chunks counted by the model's tokenizer, its longest chosen question, the instructions.
std::string lc_misfit(AnswerStack& s, const std::vector<index::NewDocument>& docs, const eval::SquadArticle& a,
                      const std::vector<size_t>& questions) {
  pipeline::PlanInput in;
  in.mode = pipeline::Mode::kLc;
  in.model = s.model_info;
  in.instruction_tokens = s.answerer->instruction_tokens();
  for (size_t q : questions) {
    in.question_tokens = std::max(in.question_tokens, s.generator->count_tokens(a.questions[q].question));
  }
  in.collection.documents = static_cast<int64_t>(docs.size());
  for (const auto& d : docs) {
    in.collection.chunks += static_cast<int64_t>(d.chunks.size());
    for (const auto& c : d.chunks) in.collection.total_tokens += s.generator->count_tokens(c.text);
  }
  config::PipelineConfig cfg = s.config.pipeline;
  cfg.lc_overflow = "refuse";
  try {
    pipeline::plan(in, cfg);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kResourceExhausted) throw;
    return e.what();
  }
  return {};
}

// --squad: selects articles and questions, makes (or reuses) one collection per article.
std::vector<eval::EvalCase> squad_cases(const Context& ctx, AnswerStack& s,
                                            const std::vector<eval::SquadArticle>& articles) {
  eval::SquadSelectOptions so;
  so.articles = int_flag(ctx, "articles", 100000);
  so.questions_per_article = int_flag(ctx, "questions-per-article", 100000);
  so.skip_articles = int_flag(ctx, "skip-articles", 100000);
  const index::IngestOptions io = index::ingest_options(s.config.ingest);
  std::map<size_t, std::vector<index::NewDocument>> docs;  // built once: for the fit test, then stored
  auto fits = [&](const eval::SquadArticle& a, const std::vector<size_t>& questions) {
    size_t i = static_cast<size_t>(&a - articles.data());
    docs[i] = eval::squad_documents(a, io.chunk);
    return lc_misfit(s, docs[i], a, questions);
  };
  eval::SquadSelection sel = eval::select_squad(articles, so, fits);
  for (const auto& skip : sel.skipped) spdlog::warn("skipped article {}: it does not fit lc: {}", skip.title, skip.why);
  if (sel.picks.empty()) throw Error(ErrorKind::kInvalidArgument, "no SQuAD article fits the model's window");
  std::vector<eval::EvalCase> cases;
  for (const auto& pick : sel.picks) {
    const eval::SquadArticle& a = articles[pick.article];
    std::string name = eval::squad_collection_name(a.title);
    std::string how = eval::ensure_collection(s.library, name, std::move(docs[pick.article]));
    spdlog::info("article {}: collection {} ({}), {} questions", a.title, name, how, pick.questions.size());
    for (size_t q : pick.questions) cases.push_back({name, a.questions[q]});
  }
  return cases;
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
  eval::EvalSettings settings;
  try {
    settings.modes = eval::parse_modes(ctx.args.get("modes", "lc,rag,auto"));
  } catch (const Error& e) {
    throw UsageError{e.what()};
  }
  pipeline::AskRequest flags;
  apply_generation_flags(ctx, kDefaultEvalTokens, flags);
  settings.max_tokens = flags.max_tokens;
  settings.top_k = flags.top_k;
  const int64_t limit = ctx.args.get_int("limit", 0);
  if (limit < 0) throw UsageError{"--limit must be >= 1"};
  const std::string set_path = ctx.args.get(squad ? "squad" : "set");
  const std::string collection = ctx.args.get("collection", "default");

  // The set is read before the model loads: a bad file should cost nothing.
  std::vector<eval::SquadArticle> articles;
  std::vector<eval::QuestionItem> items;
  if (squad) {
    articles = eval::load_squad(set_path);
  } else {
    items = eval::load_question_set(set_path);
    if (items.empty()) throw Error(ErrorKind::kInvalidArgument, "the question set is empty", set_path);
  }
  AnswerStack stack(ctx, squad ? std::vector<std::string>{} : std::vector<std::string>{collection});
  settings.unanswerable_word = stack.config.pipeline.unanswerable_answer;
  std::vector<eval::EvalCase> cases;
  if (squad) {
    cases = squad_cases(ctx, stack, articles);
  } else {
    for (auto& q : items) cases.push_back({collection, std::move(q)});
  }
  if (limit > 0 && static_cast<size_t>(limit) < cases.size()) cases.resize(static_cast<size_t>(limit));

  eval::EvalHeader header;
  header.set = set_path;
  header.model = stack.generator->model_name();
  header.modes = settings.modes;
  for (const auto& c : cases) {
    if (std::find(header.collections.begin(), header.collections.end(), c.collection) == header.collections.end()) {
      header.collections.push_back(c.collection);
    }
  }
  spdlog::info("eval: {} questions x {} modes over {} collection(s) with {}", cases.size(), settings.modes.size(),
               header.collections.size(), header.model);

  Timer timer;
  eval::EvalRun run;
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
    run = eval::run_eval(*stack.answerer, cases, settings, hooks);
  }
  header.interrupted = run.interrupted;
  if (run.interrupted) {
    spdlog::warn("interrupted after {} of {} answers: the summary is partial", run.records.size(),
                 cases.size() * settings.modes.size());
  }

  nlohmann::json doc = eval::eval_result_json(header, run.records);
  index::RunRecord rec;
  rec.kind = "eval";
  rec.collection = header.collections.size() == 1 ? header.collections[0]
                                                  : std::to_string(header.collections.size()) + " collections";
  rec.question = set_path;
  rec.route = ctx.args.get("modes", "lc,rag,auto");
  rec.reason = std::to_string(cases.size()) + " questions x " + std::to_string(settings.modes.size()) + " modes" +
               (run.interrupted ? " (interrupted)" : "");
  rec.params = {{"model", header.model},          {"model_key", stack.model_key},
                {"modes", doc["modes"]},          {"max_tokens", settings.max_tokens},
                {"top_k", settings.top_k},        {"limit", limit},
                {"squad", squad},                 {"articles", ctx.args.get_int("articles", 0)},
                {"questions_per_article", ctx.args.get_int("questions-per-article", 0)},
                {"skip_articles", ctx.args.get_int("skip-articles", 0)}};
  rec.result = doc;
  rec.metrics = {{"peak_rss_bytes", peak_rss_bytes()}, {"total_s", timer.seconds()},
                 {"answers", run.records.size()}};
  const int64_t run_id = stack.library.store().add_run(rec);
  if (ctx.json) {
    doc["ok"] = true;
    doc["run_id"] = run_id;
    print_json(doc);
  } else {
    print_text(doc, run_id);
  }
  return 0;
}

}  // namespace hayloft::cli
