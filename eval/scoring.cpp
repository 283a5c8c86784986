#include "eval/scoring.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "util/error.hpp"

namespace hayloft::eval {

double exact_match(std::string_view prediction, std::string_view gold) {
  return squad_normalize(prediction) == squad_normalize(gold) ? 1.0 : 0.0;
}

double token_f1(std::string_view prediction, std::string_view gold) {
  std::vector<std::string> p = normalized_words(prediction);
  std::vector<std::string> g = normalized_words(gold);
  std::map<std::string, int> gold_counts;
  for (const auto& w : g) ++gold_counts[w];
  int same = 0;
  for (const auto& w : p) {
    auto it = gold_counts.find(w);
    if (it != gold_counts.end() && it->second > 0) {
      --it->second;
      ++same;
    }
  }
  if (same == 0) return 0.0;  // also covers an empty side, as in the v1.1 script
  double precision = static_cast<double>(same) / static_cast<double>(p.size());
  double recall = static_cast<double>(same) / static_cast<double>(g.size());
  return 2 * precision * recall / (precision + recall);
}

double contains_answer(std::string_view prediction, std::string_view gold) {
  // The gold's normalised words, contiguous and in order, among the prediction's.
  std::vector<std::string> g = normalized_words(gold);
  if (g.empty()) return 0.0;
  std::vector<std::string> p = normalized_words(prediction);
  return std::search(p.begin(), p.end(), g.begin(), g.end()) != p.end() ? 1.0 : 0.0;
}

AnswerScore score_answer(std::string_view prediction, const std::vector<std::string>& golds,
                         std::string_view unanswerable_word) {
  if (golds.empty()) throw Error(ErrorKind::kInvalidArgument, "a question needs at least one gold answer");
  const std::string answer = answer_text(prediction);
  bool declined = is_unanswerable(answer, unanswerable_word);
  std::string unans = squad_normalize(unanswerable_word);
  AnswerScore best;
  for (const std::string& gold : golds) {
    AnswerScore s;
    if (squad_normalize(gold) == unans) {
      double v = declined ? 1.0 : 0.0;
      s = {v, v, v};
    } else if (!declined) {
      s = {exact_match(answer, gold), token_f1(answer, gold), contains_answer(answer, gold)};
    }
    best.exact_match = std::max(best.exact_match, s.exact_match);
    best.f1 = std::max(best.f1, s.f1);
    best.contains = std::max(best.contains, s.contains);
  }
  return best;
}

MeanStderr mean_stderr(const std::vector<double>& values) {
  MeanStderr r;
  r.n = values.size();
  if (values.empty()) return r;
  double sum = 0;
  for (double v : values) sum += v;
  r.mean = sum / static_cast<double>(r.n);
  if (r.n < 2) return r;
  double ss = 0;
  for (double v : values) ss += (v - r.mean) * (v - r.mean);
  r.stderr_ = std::sqrt(ss / static_cast<double>(r.n - 1)) / std::sqrt(static_cast<double>(r.n));
  return r;
}

}  // namespace hayloft::eval
