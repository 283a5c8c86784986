#pragma once
// Data sets for evaluation: JSONL question sets, SQuAD v1.1 JSON (one article = one collection of its
// paragraphs plus its questions), and needle-in-a-haystack cases built from the Paul Graham essays.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hayloft::eval {

using TokenCounter = std::function<int(std::string_view)>;

// One line of a question set: {"id", "question", "answers": [...]}; other keys are ignored (our sets add
// "kind" and "essays"). "unanswerable" is a valid gold answer.
struct QuestionItem {
  std::string id;
  std::string question;
  std::vector<std::string> answers;
  std::string kind;  // optional "kind" (e.g. single, multi, unanswerable): eval also summarises per kind
};

// Parses JSONL text; blank lines are skipped. Errors are Error{kCorrupt} naming `name` and the line:
// bad JSON, a missing or non-string id/question, answers missing, empty or not strings, a repeated id.
std::vector<QuestionItem> parse_question_set(std::string_view jsonl, const std::string& name);
std::vector<QuestionItem> load_question_set(const std::string& path);  // Error{kIo} when unreadable
std::string to_jsonl(const std::vector<QuestionItem>& items);

struct SquadArticle {
  std::string title;                    // e.g. "Super_Bowl_50"
  std::vector<std::string> paragraphs;  // the contexts, in file order: the collection's documents
  std::vector<QuestionItem> questions;  // every question of every paragraph; answers deduplicated
  std::vector<int> question_paragraph;  // [questions.size()] index of the paragraph each was asked on
};

// SQuAD v1.1 ({"version", "data": [{"title", "paragraphs": [{"context", "qas": [{"id", "question",
// "answers": [{"text", "answer_start"}]}]}]}]}). Error{kCorrupt} naming the article and field otherwise.
std::vector<SquadArticle> parse_squad(std::string_view json_text, const std::string& name);
std::vector<SquadArticle> load_squad(const std::string& path);

// A needle: a fact planted in the haystack, the question that asks for it and the answer that shows it
// was found. Needles files are JSONL {"needle", "question", "answer"}.
struct Needle {
  std::string needle;
  std::string question;
  std::string answer;
};
std::vector<Needle> parse_needles(std::string_view jsonl, const std::string& name);
std::vector<Needle> load_needles(const std::string& path);

// The haystack filler: every *.txt file in `dir`, sorted by name, joined by blank lines. Error{kNotFound}
// when there are none.
std::string load_haystack(const std::string& dir);

struct NiahCase {
  std::string text;                  // filler with the needle inserted
  int tokens = 0;                    // of `text`, as the sum of its sentences' counts
  double depth_percent = 0;          // asked for
  double actual_depth_percent = 0;   // where it landed: filler tokens before the needle / filler tokens
  size_t needle_offset = 0;          // byte offset of the needle in `text`
};

// Builds a context of about `context_tokens` tokens: sentences of the filler (repeated from the start if
// it is too short) up to context_tokens minus the needle's tokens, with the needle inserted at the
// sentence boundary nearest `depth_percent` of the way in (0 = first, 100 = last). Error{kInvalidArgument}
// for a depth outside [0, 100], an empty filler or needle, or a length the needle alone fills.
NiahCase build_niah(std::string_view filler, const Needle& needle, int context_tokens, double depth_percent,
                    const TokenCounter& count);

// A hit when the answer holds the needle's fact: the needle's answer, SQuAD-normalised, appears in the
// normalised answer on word boundaries (scoring.hpp contains_answer).
bool niah_hit(std::string_view answer, const Needle& needle);

// Flag lists of `niah`: "1k,2k,4k,8k" -> {1024, 2048, 4096, 8192} (k = 1024 tokens; plain numbers as
// given) and "0,25,50,75,100" -> depths in percent. Error{kInvalidArgument} naming the bad item for
// empty lists, non-numbers, lengths < 1 and depths outside 0..100.
std::vector<int> parse_lengths(std::string_view list);
std::vector<double> parse_depths(std::string_view list);

// Splits text after sentence ends ('.', '!' or '?' followed by whitespace) and at blank lines; the pieces
// concatenate back to the text exactly.
std::vector<std::string_view> split_sentences(std::string_view text);

}  // namespace hayloft::eval
