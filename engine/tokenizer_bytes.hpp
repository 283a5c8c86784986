#pragma once
// GPT-2's byte <-> codepoint map for byte-level BPE (engine-internal): printable bytes stand for
// themselves, the other 68 bytes map to U+0100.. in byte order, so every byte has a visible character.
#include <array>
#include <cstdint>

namespace hayloft::engine {

inline bool byte_is_printable(int b) { return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174; }

inline const std::array<uint16_t, 256>& byte_codepoints() {
  static const std::array<uint16_t, 256> table = [] {
    std::array<uint16_t, 256> t{};
    uint16_t next = 256;
    for (int b = 0; b < 256; ++b) t[b] = byte_is_printable(b) ? static_cast<uint16_t>(b) : next++;
    return t;
  }();
  return table;
}

inline uint32_t byte_to_codepoint(uint8_t b) { return byte_codepoints()[b]; }

// The byte a codepoint stands for, or -1 when it is not part of the map.
inline int codepoint_to_byte(uint32_t cp) {
  if (cp < 256) return byte_is_printable(static_cast<int>(cp)) ? static_cast<int>(cp) : -1;
  if (cp >= 256 + 68) return -1;
  static const std::array<uint8_t, 68> inverse = [] {
    std::array<uint8_t, 68> t{};
    for (int b = 0; b < 256; ++b)
      if (!byte_is_printable(b)) t[byte_codepoints()[b] - 256] = static_cast<uint8_t>(b);
    return t;
  }();
  return inverse[cp - 256];
}

}  // namespace hayloft::engine
