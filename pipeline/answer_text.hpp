#pragma once
// What an answer says, before any scoring: normalised as the SQuAD v1.1 script does (lowercase, drop
// ASCII punctuation, drop the articles a/an/the, collapse whitespace), stripped of citation markers and a
// lead-in, and whether it declines. The answerer uses is_unanswerable for auto's fallback; eval/ scores
// answers with these.
#include <string>
#include <string_view>
#include <vector>

namespace hayloft::pipeline {

std::string squad_normalize(std::string_view text);
std::vector<std::string> normalized_words(std::string_view text);  // squad_normalize, split on spaces

// The answer a prediction gives, for scoring: citation markers ("[C3]", "[C2, C5]", see parse_markers)
// removed, and a lead-in the chat models put first ("The answer is:", "The answer to this question is",
// "Answer:", case-insensitive) cut off the front; everything else kept as written.
std::string answer_text(std::string_view prediction);

// True when the prediction declines to answer: after normalisation it contains `unanswerable_word`, or
// one of a few fixed refusals ("cannot be answered", "not mentioned", "no information", ...).
bool is_unanswerable(std::string_view prediction, std::string_view unanswerable_word = "unanswerable");

}  // namespace hayloft::pipeline
