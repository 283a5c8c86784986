#pragma once
// Evaluation summaries: per-question results of `eval` / `niah` folded into one row per mode (accuracy
// with its standard error, EM, F1, mean prompt tokens, seconds per question, peak memory), the issue's
// goal for auto checked against them, and a Markdown table for reports.
#include <cstdint>
#include <string>
#include <vector>

#include "eval/scoring.hpp"
#include "pipeline/types.hpp"
#include "eval/names.hpp"

namespace hayloft::eval {

struct QuestionResult {
  std::string id;
  std::string kind;  // the question set's optional kind
  Mode mode = Mode::kAuto;
  Route route = Route::kRag;  // the route the answer finally took
  AnswerScore score;
  int64_t prompt_tokens = 0;  // summed over attempts (auto's first pass counts)
  int64_t generated_tokens = 0;
  int64_t reused_prefix_tokens = 0;  // of prompt_tokens, served from the KV cache (summed over attempts)
  double seconds = 0;
  int64_t peak_rss_bytes = 0;
  bool degenerate = false;
  bool fallback = false;
  bool error = false;  // no answer (e.g. lc refused: the collection does not fit); scored 0
};

struct ModeSummary {
  Mode mode = Mode::kAuto;
  size_t questions = 0;
  MeanStderr accuracy;  // containment
  MeanStderr exact_match;
  MeanStderr f1;
  double mean_prompt_tokens = 0;
  double mean_generated_tokens = 0;
  double mean_reused_prefix_tokens = 0;
  double mean_seconds = 0;
  int64_t peak_rss_bytes = 0;  // max over questions
  int degenerate = 0;          // answers the guard stopped
  int routed_lc = 0;           // answers that ended on each route (auto's mix)
  int routed_rag = 0;
  int fallbacks = 0;
  int errors = 0;              // questions without an answer (counted as wrong)
};

// One summary per mode present, in the order lc, rag, auto.
std::vector<ModeSummary> summarize(const std::vector<QuestionResult>& results);

// The summaries of each question kind (in order of first appearance; questions without a kind left
// out); empty when no question has one.
struct KindSummary {
  std::string kind;
  std::vector<ModeSummary> summaries;
};
std::vector<KindSummary> summarize_by_kind(const std::vector<QuestionResult>& results);

// The goal: auto's accuracy within one standard error of the better of lc and rag (auto >= best
// - best's standard error), at no more than 0.4x LC's mean prompt tokens. Needs all three modes.
struct AutoGoal {
  bool evaluated = false;  // false when a mode is missing
  bool accuracy_ok = false;
  bool tokens_ok = false;
  double best_accuracy = 0;
  Mode best_mode = Mode::kLc;
  double best_stderr = 0;
  double auto_accuracy = 0;
  double token_ratio = 0;  // auto's mean prompt tokens / lc's
  std::string verdict;     // one line with the numbers
};
AutoGoal check_auto_goal(const std::vector<ModeSummary>& summaries, double max_token_ratio = 0.4);

// A Markdown table, one row per mode, and the goal's verdict line when evaluated.
std::string summary_markdown(const std::vector<ModeSummary>& summaries, const AutoGoal& goal);

}  // namespace hayloft::eval
