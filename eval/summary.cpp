#include "eval/summary.hpp"

#include <algorithm>
#include <cstdio>

namespace hayloft::eval {

namespace {

std::string fixed(double v, int digits) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

const ModeSummary* find(const std::vector<ModeSummary>& s, Mode m) {
  for (const auto& x : s) {
    if (x.mode == m) return &x;
  }
  return nullptr;
}

}  // namespace

std::vector<KindSummary> summarize_by_kind(const std::vector<QuestionResult>& results) {
  std::vector<KindSummary> out;
  for (const QuestionResult& r : results) {
    if (r.kind.empty()) continue;
    if (std::none_of(out.begin(), out.end(), [&](const KindSummary& k) { return k.kind == r.kind; })) {
      out.push_back({r.kind, {}});
    }
  }
  for (KindSummary& k : out) {
    std::vector<QuestionResult> of_kind;
    for (const QuestionResult& r : results) {
      if (r.kind == k.kind) of_kind.push_back(r);
    }
    k.summaries = summarize(of_kind);
  }
  return out;
}

std::vector<ModeSummary> summarize(const std::vector<QuestionResult>& results) {
  std::vector<ModeSummary> out;
  for (Mode mode : {Mode::kLc, Mode::kRag, Mode::kAuto}) {
    std::vector<double> acc, em, f1;
    ModeSummary s;
    s.mode = mode;
    double prompt = 0, generated = 0, reused = 0, seconds = 0;
    for (const auto& r : results) {
      if (r.mode != mode) continue;
      acc.push_back(r.score.contains);
      em.push_back(r.score.exact_match);
      f1.push_back(r.score.f1);
      prompt += static_cast<double>(r.prompt_tokens);
      generated += static_cast<double>(r.generated_tokens);
      reused += static_cast<double>(r.reused_prefix_tokens);
      seconds += r.seconds;
      s.peak_rss_bytes = std::max(s.peak_rss_bytes, r.peak_rss_bytes);
      s.degenerate += r.degenerate ? 1 : 0;
      s.fallbacks += r.fallback ? 1 : 0;
      s.errors += r.error ? 1 : 0;
      (r.route == Route::kLc ? s.routed_lc : s.routed_rag) += 1;
    }
    if (acc.empty()) continue;
    s.questions = acc.size();
    s.accuracy = mean_stderr(acc);
    s.exact_match = mean_stderr(em);
    s.f1 = mean_stderr(f1);
    double n = static_cast<double>(s.questions);
    s.mean_prompt_tokens = prompt / n;
    s.mean_generated_tokens = generated / n;
    s.mean_reused_prefix_tokens = reused / n;
    s.mean_seconds = seconds / n;
    out.push_back(s);
  }
  return out;
}

AutoGoal check_auto_goal(const std::vector<ModeSummary>& summaries, double max_token_ratio) {
  AutoGoal g;
  const ModeSummary* lc = find(summaries, Mode::kLc);
  const ModeSummary* rag = find(summaries, Mode::kRag);
  const ModeSummary* au = find(summaries, Mode::kAuto);
  if (!lc || !rag || !au) {
    g.verdict = "auto goal not evaluated: it needs lc, rag and auto on the same questions";
    return g;
  }
  g.evaluated = true;
  const ModeSummary* best = lc->accuracy.mean >= rag->accuracy.mean ? lc : rag;
  g.best_mode = best->mode;
  g.best_accuracy = best->accuracy.mean;
  g.best_stderr = best->accuracy.stderr_;
  g.auto_accuracy = au->accuracy.mean;
  g.accuracy_ok = g.auto_accuracy >= g.best_accuracy - g.best_stderr;
  g.token_ratio = lc->mean_prompt_tokens > 0 ? au->mean_prompt_tokens / lc->mean_prompt_tokens : 0;
  g.tokens_ok = lc->mean_prompt_tokens > 0 && g.token_ratio <= max_token_ratio;
  g.verdict = std::string(g.accuracy_ok && g.tokens_ok ? "met" : "not met") + ": auto accuracy " +
              fixed(g.auto_accuracy, 3) + " vs " + mode_name(g.best_mode) + " " + fixed(g.best_accuracy, 3) +
              " ± " + fixed(g.best_stderr, 3) + (g.accuracy_ok ? " (within one SE)" : " (below one SE)") +
              "; prompt tokens " + fixed(g.token_ratio, 2) + "× lc" +
              (g.tokens_ok ? " (≤ " : " (> ") + fixed(max_token_ratio, 1) + "×)";
  return g;
}

std::string summary_markdown(const std::vector<ModeSummary>& summaries, const AutoGoal& goal) {
  std::string md =
      "| mode | questions | accuracy | EM | F1 | prompt tokens | generated | s/question | peak RSS MiB | "
      "lc/rag routes | degenerate |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& s : summaries) {
    md += "| " + std::string(mode_name(s.mode)) + " | " + std::to_string(s.questions) + " | " +
          fixed(s.accuracy.mean, 3) + " ± " + fixed(s.accuracy.stderr_, 3) + " | " + fixed(s.exact_match.mean, 3) +
          " | " + fixed(s.f1.mean, 3) + " | " + fixed(s.mean_prompt_tokens, 0) + " | " +
          fixed(s.mean_generated_tokens, 1) + " | " + fixed(s.mean_seconds, 2) + " | " +
          fixed(static_cast<double>(s.peak_rss_bytes) / (1024.0 * 1024.0), 0) + " | " + std::to_string(s.routed_lc) +
          "/" + std::to_string(s.routed_rag) + " | " + std::to_string(s.degenerate) + " |\n";
  }
  if (goal.evaluated) md += "\nAuto goal " + goal.verdict + "\n";
  return md;
}

}  // namespace hayloft::eval
