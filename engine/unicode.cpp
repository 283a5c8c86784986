// Codepoint classes by binary search over generated ranges, and a UTF-8 decoder that accepts anything.
#include "engine/unicode.hpp"

#include <algorithm>
#include <array>

namespace hayloft::engine::unicode {

extern const uint32_t kClassRanges[];
extern const size_t kClassRangeCount;

namespace {

// ASCII is the common case: a direct table, filled from the ranges once.
const std::array<UnicodeClass, 128>& ascii_classes() {
  static const std::array<UnicodeClass, 128> table = [] {
    std::array<UnicodeClass, 128> t{};
    for (uint32_t cp = 0; cp < 128; ++cp) {
      const uint32_t* end = kClassRanges + kClassRangeCount;
      const uint32_t* it = std::upper_bound(kClassRanges, end, (cp << 8) | 0xff);
      t[cp] = static_cast<UnicodeClass>(*(it - 1) & 0xff);
    }
    return t;
  }();
  return table;
}

}  // namespace

UnicodeClass class_of(uint32_t cp) {
  if (cp < 128) return ascii_classes()[cp];
  if (cp > 0x10FFFF) return UnicodeClass::kUnassigned;
  const uint32_t* end = kClassRanges + kClassRangeCount;
  // Entries are (start << 8) | class: the last entry <= (cp << 8) | 0xff starts cp's range.
  const uint32_t* it = std::upper_bound(kClassRanges, end, (cp << 8) | 0xff);
  return static_cast<UnicodeClass>(*(it - 1) & 0xff);
}

bool is_whitespace(uint32_t cp) {
  if (cp < 0x80) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
  switch (cp) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

uint32_t decode_one(std::string_view s, size_t& pos) {
  const auto b0 = static_cast<uint8_t>(s[pos]);
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }
  size_t n = utf8_len(b0);
  if (n == 1 || b0 >= 0xF8 || pos + n > s.size()) {  // F8..FF lead nothing valid
    ++pos;
    return kReplacement;
  }
  uint32_t cp = b0 & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<uint8_t>(s[pos + k]);
    if ((b & 0xC0) != 0x80) {
      ++pos;
      return kReplacement;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++pos;
    return kReplacement;
  }
  pos += n;
  return cp;
}

std::vector<uint32_t> decode(std::string_view s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) out.push_back(decode_one(s, pos));
  return out;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace hayloft::engine::unicode
