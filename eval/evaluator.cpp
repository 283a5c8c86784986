#include "eval/evaluator.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>

#include "util/util.hpp"

namespace hayloft::eval {

using nlohmann::json;

std::vector<Mode> parse_modes(std::string_view list) {
  std::vector<Mode> out;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) throw Error(ErrorKind::kInvalidArgument, "empty item in the modes list (expected e.g. lc,rag,auto)");
    Mode m = parse_mode(item);
    if (std::find(out.begin(), out.end(), m) != out.end()) {
      throw Error(ErrorKind::kInvalidArgument, "mode '" + std::string(item) + "' is listed twice");
    }
    out.push_back(m);
    pos = comma + 1;
  }
  return out;
}

std::vector<std::pair<size_t, Mode>> eval_order(const std::vector<EvalCase>& cases, const std::vector<Mode>& modes) {
  std::vector<std::string> collections;  // in order of first appearance
  for (const auto& c : cases) {
    if (std::find(collections.begin(), collections.end(), c.collection) == collections.end()) {
      collections.push_back(c.collection);
    }
  }
  std::vector<std::pair<size_t, Mode>> order;
  for (const auto& name : collections) {
    for (Mode m : modes) {
      for (size_t i = 0; i < cases.size(); ++i) {
        if (cases[i].collection == name) order.emplace_back(i, m);
      }
    }
  }
  return order;
}

EvalRecord evaluate_one(Answerer& answerer, const EvalCase& c, Mode mode, const EvalSettings& settings) {
  EvalRecord rec;
  rec.collection = c.collection;
  rec.question = c.item.question;
  rec.gold = c.item.answers;
  QuestionResult& r = rec.result;
  r.id = c.item.id;
  r.kind = c.item.kind;
  r.mode = mode;
  AskRequest request;
  request.collection = c.collection;
  request.question = c.item.question;
  request.mode = mode;
  request.max_tokens = settings.max_tokens;
  request.top_k = settings.top_k;
  Timer timer;
  const std::clock_t cpu_start = std::clock();  // process CPU time, all threads (Linux)
  auto cpu_seconds = [&] { return static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC; };
  try {
    AskOutcome o = answerer.ask(request);
    const Answer& a = o.answer;
    rec.answer = a.text;
    rec.reason = a.attempts.back().plan.reason;
    r.route = a.route;
    for (const Attempt& t : a.attempts) {
      r.prompt_tokens += t.metrics.prompt_tokens;
      r.generated_tokens += t.metrics.generated_tokens;
      r.reused_prefix_tokens += t.metrics.reused_prefix_tokens;
      r.seconds += t.metrics.total_s;
    }
    r.peak_rss_bytes = a.attempts.back().metrics.peak_rss_bytes;
    r.degenerate = a.degeneration.degenerate();
    r.fallback = a.attempts.back().plan.fallback;
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kResourceExhausted && e.kind() != ErrorKind::kInvalidArgument) throw;
    rec.error = e.what();
    r.error = true;
    r.route = mode == Mode::kLc ? Route::kLc : Route::kRag;
    r.seconds = timer.seconds();
    r.peak_rss_bytes = peak_rss_bytes();
    rec.cpu_seconds = cpu_seconds();
    return rec;
  }
  rec.cpu_seconds = cpu_seconds();
  r.score = score_answer(rec.answer, rec.gold, settings.unanswerable_word);
  return rec;
}

EvalRun run_eval(Answerer& answerer, const std::vector<EvalCase>& cases, const EvalSettings& settings,
                 const EvalHooks& hooks) {
  EvalRun run;
  const auto order = eval_order(cases, settings.modes);
  for (size_t k = 0; k < order.size(); ++k) {
    const auto& [i, mode] = order[k];
    if (hooks.stop && hooks.stop()) {
      run.interrupted = true;
      break;
    }
    // Each (collection, mode) block starts its own peak, so a mode's peak RSS is its own, not the
    // process's peak so far (lc's large prompts would otherwise show up under every later mode).
    if (k == 0 || order[k - 1].second != mode || cases[order[k - 1].first].collection != cases[i].collection) {
      reset_peak_rss();
    }
    run.records.push_back(evaluate_one(answerer, cases[i], mode, settings));
    if (hooks.on_record) hooks.on_record(run.records.back(), run.records.size(), order.size());
  }
  return run;
}

json to_json(const ModeSummary& s) {
  auto ms = [](const MeanStderr& m) { return json{{"mean", m.mean}, {"stderr", m.stderr_}}; };
  return {{"mode", mode_name(s.mode)},
          {"questions", s.questions},
          {"accuracy", ms(s.accuracy)},
          {"exact_match", ms(s.exact_match)},
          {"f1", ms(s.f1)},
          {"mean_prompt_tokens", s.mean_prompt_tokens},
          {"mean_generated_tokens", s.mean_generated_tokens},
          {"mean_reused_prefix_tokens", s.mean_reused_prefix_tokens},
          {"mean_seconds", s.mean_seconds},
          {"peak_rss_bytes", s.peak_rss_bytes},
          {"degenerate", s.degenerate},
          {"routed_lc", s.routed_lc},
          {"routed_rag", s.routed_rag},
          {"fallbacks", s.fallbacks},
          {"errors", s.errors}};
}

json to_json(const AutoGoal& g) {
  return {{"evaluated", g.evaluated},         {"accuracy_ok", g.accuracy_ok},
          {"tokens_ok", g.tokens_ok},         {"met", g.evaluated && g.accuracy_ok && g.tokens_ok},
          {"best_mode", mode_name(g.best_mode)}, {"best_accuracy", g.best_accuracy},
          {"best_stderr", g.best_stderr},     {"auto_accuracy", g.auto_accuracy},
          {"token_ratio", g.token_ratio},     {"verdict", g.verdict}};
}

json to_json(const EvalRecord& rec) {
  const QuestionResult& r = rec.result;
  json j = {{"id", r.id},
            {"collection", rec.collection},
            {"mode", mode_name(r.mode)},
            {"route", route_name(r.route)},
            {"reason", rec.reason},
            {"question", rec.question},
            {"answer", rec.answer},
            {"gold", rec.gold},
            {"exact_match", r.score.exact_match},
            {"f1", r.score.f1},
            {"correct", r.score.contains > 0},
            {"prompt_tokens", r.prompt_tokens},
            {"generated_tokens", r.generated_tokens},
            {"reused_prefix_tokens", r.reused_prefix_tokens},
            {"seconds", r.seconds},
            {"cpu_seconds", rec.cpu_seconds},
            {"peak_rss_bytes", r.peak_rss_bytes},
            {"degenerate", r.degenerate},
            {"fallback", r.fallback}};
  if (!r.kind.empty()) j["kind"] = r.kind;
  if (r.error) j["error"] = rec.error;
  return j;
}

json eval_result_json(const EvalHeader& h, const std::vector<EvalRecord>& records) {
  std::vector<QuestionResult> results;
  for (const auto& r : records) results.push_back(r.result);
  std::vector<ModeSummary> summaries = summarize(results);
  AutoGoal goal = check_auto_goal(summaries);
  json modes = json::array(), sums = json::array(), questions = json::array();
  for (Mode m : h.modes) modes.push_back(mode_name(m));
  for (const auto& s : summaries) {
    json j = to_json(s);
    double cpu = 0;
    for (const auto& r : records) cpu += r.result.mode == s.mode ? r.cpu_seconds : 0;
    j["mean_cpu_seconds"] = cpu / static_cast<double>(s.questions);
    sums.push_back(j);
  }
  for (const auto& r : records) questions.push_back(to_json(r));
  std::string table = summary_markdown(summaries, goal);
  json by_kind = json::array();
  for (const KindSummary& k : summarize_by_kind(results)) {
    json ks = json::array();
    for (const auto& s : k.summaries) ks.push_back(to_json(s));
    by_kind.push_back({{"kind", k.kind}, {"summaries", ks}});
    table += "\nKind " + k.kind + ":\n\n" + summary_markdown(k.summaries, AutoGoal{});
  }
  return {{"set", h.set},
          {"model", h.model},
          {"collections", h.collections},
          {"modes", modes},
          {"interrupted", h.interrupted},
          {"summaries", sums},
          {"goal", to_json(goal)},
          {"by_kind", by_kind},
          {"table", table},
          {"questions", questions}};
}

std::string running_accuracy(const std::vector<EvalRecord>& records) {
  std::string out;
  for (Mode m : {Mode::kLc, Mode::kRag, Mode::kAuto}) {
    int n = 0;
    double right = 0;
    for (const auto& r : records) {
      if (r.result.mode != m) continue;
      ++n;
      right += r.result.score.contains;
    }
    if (n == 0) continue;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%s %.2f (%d)", out.empty() ? "" : " · ", mode_name(m), right / n, n);
    out += buf;
  }
  return out;
}

}  // namespace hayloft::eval
