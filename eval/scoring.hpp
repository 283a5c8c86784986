#pragma once
// Answer scoring as in the SQuAD v1.1 evaluation script: normalise (lowercase, drop ASCII punctuation,
// drop the articles a/an/the, collapse whitespace), then exact match and token F1, each the max over the
// gold answers; plus accuracy by containment (a gold answer's normalised words appear, in order and
// contiguous, in the normalised prediction), which is kinder to small models that answer in sentences.
// "unanswerable" is a valid gold answer: it matches a prediction that declines (see is_unanswerable).
// Predictions are scored as answer_text() gives them: citation markers and a leading "The answer is:"
// are not part of the answer.
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/answer_text.hpp"

namespace hayloft::eval {

// Normalisation and declines are the pipeline's (the answerer needs them too); scoring uses them as is.
using pipeline::answer_text;
using pipeline::is_unanswerable;
using pipeline::normalized_words;
using pipeline::squad_normalize;

struct AnswerScore {
  double exact_match = 0;  // 0 or 1
  double f1 = 0;           // 0..1
  double contains = 0;     // 0 or 1
};

// Scores one prediction against its gold answers (max over golds). A gold equal to `unanswerable_word`
// scores 1/1/1 when is_unanswerable(prediction) and 0/0/0 otherwise; a declining prediction scores 0
// against answerable golds. No gold answers is a caller bug: Error{kInvalidArgument}.
AnswerScore score_answer(std::string_view prediction, const std::vector<std::string>& golds,
                         std::string_view unanswerable_word = "unanswerable");

double exact_match(std::string_view prediction, std::string_view gold);
double token_f1(std::string_view prediction, std::string_view gold);
double contains_answer(std::string_view prediction, std::string_view gold);

// Mean and standard error of the mean (sample standard deviation / sqrt(n)); both 0 for an empty input,
// the error 0 for one value.
struct MeanStderr {
  double mean = 0;
  double stderr_ = 0;
  size_t n = 0;
};
MeanStderr mean_stderr(const std::vector<double>& values);

}  // namespace hayloft::eval
