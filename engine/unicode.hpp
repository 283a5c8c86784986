#pragma once
// Unicode helpers for the tokenizer (engine-internal): UTF-8 decoding that never fails (bad bytes become
// U+FFFD, as llama.cpp does), encoding, and the general-category class of a codepoint from a generated
// table (engine/unicode_tables.cpp, made by scripts/gen-unicode-tables.py).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hayloft::engine::unicode {

// The first letter of the Unicode general category; kUnassigned is Cn.
enum class UnicodeClass : uint8_t {
  kUnassigned = 0, kLetter = 1, kNumber = 2, kPunctuation = 3, kSymbol = 4, kMark = 5, kSeparator = 6,
  kOther = 7,
};

UnicodeClass class_of(uint32_t cp);
inline bool is_letter(uint32_t cp) { return class_of(cp) == UnicodeClass::kLetter; }
inline bool is_number(uint32_t cp) { return class_of(cp) == UnicodeClass::kNumber; }
inline bool is_punctuation(uint32_t cp) { return class_of(cp) == UnicodeClass::kPunctuation; }
// The White_Space property (what regex \s means for Unicode text).
bool is_whitespace(uint32_t cp);

constexpr uint32_t kReplacement = 0xFFFD;

// Length of the UTF-8 sequence a lead byte announces (1 for continuation or invalid bytes).
inline size_t utf8_len(uint8_t lead) {
  static constexpr uint8_t kLen[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLen[lead >> 4];
}

// Decodes one codepoint at s[pos], advancing pos; malformed, overlong or surrogate sequences yield
// U+FFFD and advance one byte.
uint32_t decode_one(std::string_view s, size_t& pos);
std::vector<uint32_t> decode(std::string_view s);
void append_utf8(std::string& out, uint32_t cp);


}  // namespace hayloft::engine::unicode
