// What an answer says, independent of how it is scored: SQuAD normalisation, the answer without its
// citation markers and lead-in, and whether it declines.
#include "pipeline/answer_text.hpp"


#include "pipeline/citations.hpp"

namespace hayloft::pipeline {

namespace {

// Python's string.punctuation, which the official script strips (ASCII only; other bytes stay).
bool is_ascii_punct(unsigned char c) {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
}

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Length in bytes of a non-ASCII Unicode space at text[i] (U+0085, U+00A0, U+2000..U+200A, U+2028,
// U+2029, U+202F, U+205F, U+3000), else 0. PG essays use U+00A0 inside "F = ma".
size_t unicode_space_bytes(std::string_view text, size_t i) {
  auto at = [&](size_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0; };
  if (at(0) == 0xC2 && (at(1) == 0x85 || at(1) == 0xA0)) return 2;
  if (at(0) == 0xE2 && at(1) == 0x80 && ((at(2) >= 0x80 && at(2) <= 0x8A) || at(2) == 0xA8 || at(2) == 0xA9 || at(2) == 0xAF)) return 3;
  if (at(0) == 0xE2 && at(1) == 0x81 && at(2) == 0x9F) return 3;
  if (at(0) == 0xE3 && at(1) == 0x80 && at(2) == 0x80) return 3;
  return 0;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (unsigned char c : text) {
    if (is_space(c)) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word.push_back(static_cast<char>(c));
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

// Refusals a model writes instead of the instructed word; matched on normalised text.
constexpr const char* kRefusals[] = {
    "cannot be answered", "can not be answered", "cannot answer", "not mentioned", "no information",
    "not enough information", "does not say", "do not contain", "does not contain", "not provided",
    "no answer", "unknown from",
};

// " " + text + " ", built by appending (gcc 12 warns falsely, -Wrestrict, on `" " + std::string&&`).
std::string padded(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.append(" ").append(text).append(" ");
  return out;
}

}  // namespace

std::string squad_normalize(std::string_view text) {
  // Same order as the official script: lower, remove punctuation, remove articles, fix whitespace.
  std::string lowered;
  lowered.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (size_t n = unicode_space_bytes(text, i)) {
      lowered.push_back(' ');  // Python's str.split() in the official script splits on these too
      i += n - 1;
      continue;
    }
    if (is_ascii_punct(c)) continue;
    lowered.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  }
  std::string out;
  for (const std::string& w : split_words(lowered)) {
    if (w == "a" || w == "an" || w == "the") continue;
    if (!out.empty()) out.push_back(' ');
    out += w;
  }
  return out;
}

std::vector<std::string> normalized_words(std::string_view text) { return split_words(squad_normalize(text)); }

namespace {

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

std::string_view trim_front(std::string_view s) {
  while (!s.empty() && (is_space(static_cast<unsigned char>(s.front())) || s.front() == ':')) s.remove_prefix(1);
  return s;
}

}  // namespace

std::string answer_text(std::string_view prediction) {
  std::string kept;
  size_t at = 0;
  for (const ParsedMarker& m : parse_markers(prediction)) {
    if (m.begin < at) continue;  // "[C3, C5]" yields two markers with one span
    kept.append(prediction.substr(at, m.begin - at));
    at = m.end;
  }
  kept.append(prediction.substr(at));
  std::string_view rest = trim_front(kept);
  // Longest first: each later one is a prefix of an earlier one.
  for (std::string_view lead : {"the answer to this question is", "the answer to the question is", "the answer is",
                                "answer is", "answer"}) {
    if (starts_with_nocase(rest, lead)) {
      std::string_view after = rest.substr(lead.size());
      // "answer" alone only as "Answer:"; the others need a word boundary.
      if (lead == "answer" ? !after.starts_with(':') : !(after.empty() || after[0] == ':' || after[0] == ' ')) break;
      rest = trim_front(after);
      break;
    }
  }
  return std::string(rest);
}

bool is_unanswerable(std::string_view prediction, std::string_view unanswerable_word) {
  std::string norm = padded(squad_normalize(prediction));
  std::string word = squad_normalize(unanswerable_word);
  if (!word.empty() && norm.find(padded(word)) != std::string::npos) return true;
  for (const char* r : kRefusals) {
    if (norm.find(padded(r)) != std::string::npos) return true;
  }
  return false;
}

}  // namespace hayloft::pipeline
