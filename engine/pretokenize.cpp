// Hand-written regex cascades. A matcher returns the length of the match of its alternation at `pos`
// (0 = no match) looking no further than `end`, the end of the current piece: like a regex run on each
// piece separately, lookaheads do not see past it.
#include "engine/pretokenize.hpp"

#include <string>

#include "engine/unicode.hpp"
#include "util/error.hpp"

namespace hayloft::engine {
namespace {

using unicode::is_letter;
using unicode::is_number;
using unicode::is_whitespace;
using Pieces = std::vector<std::pair<uint32_t, uint32_t>>;
using Matcher = uint32_t (*)(const std::vector<uint32_t>& cps, uint32_t pos, uint32_t end);

bool is_other(uint32_t cp) { return !is_whitespace(cp) && !is_letter(cp) && !is_number(cp); }
bool is_crlf(uint32_t cp) { return cp == '\r' || cp == '\n'; }
uint32_t lower(uint32_t cp) { return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp; }

// 's|'t|'re|'ve|'m|'ll|'d, optionally case-insensitive.
uint32_t contraction(const std::vector<uint32_t>& c, uint32_t pos, uint32_t end, bool any_case) {
  if (c[pos] != '\'' || pos + 1 >= end) return 0;
  auto at = [&](uint32_t i) { return any_case ? lower(c[i]) : c[i]; };
  uint32_t a = at(pos + 1);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (pos + 2 >= end) return 0;
  uint32_t b = at(pos + 2);
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

// \s+(?!\S) then \s+: a whitespace run, leaving its last character for the next word when a
// non-space follows (so " word" keeps its space).
uint32_t whitespace_run(const std::vector<uint32_t>& c, uint32_t pos, uint32_t end) {
  uint32_t e = pos;
  while (e < end && is_whitespace(c[e])) ++e;
  uint32_t n = e - pos;
  if (n > 1 && e < end) return n - 1;
  return n;
}

template <typename Pred>
uint32_t run_of(const std::vector<uint32_t>& c, uint32_t pos, uint32_t end, Pred pred) {
  uint32_t e = pos;
  while (e < end && pred(c[e])) ++e;
  return e - pos;
}

uint32_t match_gpt2(const std::vector<uint32_t>& c, uint32_t pos, uint32_t end) {
  if (uint32_t n = contraction(c, pos, end, false)) return n;
  uint32_t start = pos + (c[pos] == ' ' && pos + 1 < end ? 1 : 0);
  uint32_t first = c[start];
  // ` ?` only applies when the class after the space matches; otherwise the space is whitespace.
  if (start == pos || !is_whitespace(first)) {
    if (is_letter(first)) return start - pos + run_of(c, start, end, is_letter);
    if (is_number(first)) return start - pos + run_of(c, start, end, is_number);
    if (is_other(first)) return start - pos + run_of(c, start, end, is_other);
  }
  if (uint32_t n = whitespace_run(c, pos, end)) return n;
  return 1;  // unreachable in practice: every codepoint is in one class above
}

uint32_t match_llama3(const std::vector<uint32_t>& c, uint32_t pos, uint32_t end, uint32_t max_digits) {
  if (uint32_t n = contraction(c, pos, end, true)) return n;
  uint32_t cp = c[pos];
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (!is_crlf(cp) && !is_number(cp)) {
    if (is_letter(cp)) return run_of(c, pos, end, is_letter);
    if (pos + 1 < end && is_letter(c[pos + 1])) return 1 + run_of(c, pos + 1, end, is_letter);
  }
  // \p{N}{1,max}
  if (is_number(cp)) {
    uint32_t n = run_of(c, pos, end, is_number);
    return n < max_digits ? n : max_digits;
  }
  //  ?[^\s\p{L}\p{N}]+[\r\n]*
  uint32_t start = pos + (cp == ' ' && pos + 1 < end && is_other(c[pos + 1]) ? 1 : 0);
  if (is_other(c[start])) {
    uint32_t e = start + run_of(c, start, end, is_other);
    e += run_of(c, e, end, is_crlf);
    return e - pos;
  }
  // \s*[\r\n]+ : the whitespace run up to and including its last CR/LF
  uint32_t ws = run_of(c, pos, end, is_whitespace);
  for (uint32_t k = ws; k > 0; --k)
    if (is_crlf(c[pos + k - 1])) return k;
  // \s+(?!\S)|\s+
  return whitespace_run(c, pos, end);
}

uint32_t match_llama3_3(const std::vector<uint32_t>& c, uint32_t pos, uint32_t end) {
  return match_llama3(c, pos, end, 3);
}
uint32_t match_qwen2(const std::vector<uint32_t>& c, uint32_t pos, uint32_t end) {
  return match_llama3(c, pos, end, 1);
}
uint32_t match_one_number(const std::vector<uint32_t>& c, uint32_t pos, uint32_t) { return is_number(c[pos]); }
uint32_t match_numbers(const std::vector<uint32_t>& c, uint32_t pos, uint32_t end) {
  return run_of(c, pos, end, is_number);
}
uint32_t match_ascii_digits3(const std::vector<uint32_t>& c, uint32_t pos, uint32_t end) {
  auto digit = [](uint32_t cp) { return cp >= '0' && cp <= '9'; };
  return pos + 3 <= end && digit(c[pos]) && digit(c[pos + 1]) && digit(c[pos + 2]) ? 3 : 0;
}
// [\p{P}\$\+<=>\^~\|]+
uint32_t match_punct_run(const std::vector<uint32_t>& c, uint32_t pos, uint32_t end) {
  auto pred = [](uint32_t cp) {
    return unicode::is_punctuation(cp) || cp == '$' || cp == '+' || cp == '<' || cp == '=' || cp == '>' ||
           cp == '^' || cp == '~' || cp == '|';
  };
  return run_of(c, pos, end, pred);
}

// One regex stage over every piece: matches become pieces, and so do the stretches between them.
Pieces apply(Matcher m, const std::vector<uint32_t>& cps, const Pieces& in) {
  Pieces out;
  out.reserve(in.size() * 2);
  for (auto [b, e] : in) {
    uint32_t gap = b;
    for (uint32_t pos = b; pos < e;) {
      uint32_t n = m(cps, pos, e);
      if (n == 0) {
        ++pos;
        continue;
      }
      if (gap < pos) out.emplace_back(gap, pos);
      out.emplace_back(pos, pos + n);
      pos += n;
      gap = pos;
    }
    if (gap < e) out.emplace_back(gap, e);
  }
  return out;
}

}  // namespace

PreTokenizer pre_tokenizer_from_name(std::string_view name) {
  // Names as converters write them (llama.cpp accepts the same aliases).
  if (name == "gpt2" || name == "gpt-2") return PreTokenizer::kGpt2;
  if (name == "smollm") return PreTokenizer::kSmollm;
  if (name == "llama-bpe" || name == "llama3" || name == "llama-v3") return PreTokenizer::kLlama3;
  if (name == "qwen2") return PreTokenizer::kQwen2;
  if (name == "default" || name.empty()) return PreTokenizer::kDefault;
  throw Error(ErrorKind::kUnsupported, "tokenizer: pre-tokenizer '" + std::string(name) + "' is not supported",
              "tokenizer.ggml.pre");
}

Pieces pre_tokenize(PreTokenizer kind, const std::vector<uint32_t>& cps) {
  Pieces p;
  if (cps.empty()) return p;
  p.emplace_back(0, static_cast<uint32_t>(cps.size()));
  switch (kind) {
    case PreTokenizer::kGpt2: return apply(match_gpt2, cps, p);
    case PreTokenizer::kSmollm: return apply(match_gpt2, cps, apply(match_one_number, cps, p));
    case PreTokenizer::kLlama3: return apply(match_llama3_3, cps, p);
    case PreTokenizer::kQwen2: return apply(match_qwen2, cps, p);
    case PreTokenizer::kDefault:
      p = apply(match_punct_run, cps, p);
      p = apply(match_gpt2, cps, p);
      p = apply(match_numbers, cps, p);
      return apply(match_ascii_digits3, cps, p);
  }
  return p;
}

}  // namespace hayloft::engine
