// Text decoding: bytes → UTF-8 plus a way back to source offsets.
//
// Decision (documented for users in the ingest errors): a text file is read as
//   1. UTF-8 with a BOM (BOM stripped),
//   2. UTF-16 LE/BE when it starts with a BOM (converted; unpaired surrogates are an error),
//   3. UTF-8 when the bytes are valid UTF-8,
//   4. Windows-1252 (a superset of Latin-1's printable range) when the bytes are not UTF-8 but look like
//      single-byte text: none of the five bytes Windows-1252 leaves undefined (0x81 0x8D 0x8F 0x90 0x9D)
//      and at most 30% of bytes above 0x7F (real Western-European text has a few percent; random or
//      compressed bytes have ~50%),
//   5. anything else is rejected with Error{kUnsupported} that says why.
// Binary content is rejected first: a NUL byte, or more than 2% control bytes other than \t \n \r \f \v.
#include <cstring>

#include "ingest/internal.hpp"
#include "util/error.hpp"

namespace hayloft::ingest::detail {
namespace {

// Windows-1252 code points for 0x80..0x9F (0 = undefined in Windows-1252).
constexpr uint16_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

bool is_control(unsigned char c) {
  return (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') || c == 0x7f;
}

std::string hex_byte(unsigned char c) {
  const char* digits = "0123456789ABCDEF";
  return std::string("0x") + digits[c >> 4] + digits[c & 15];
}

// Throws when `bytes` look binary. Scans everything: one cheap pass, and a NUL deep in a file matters.
void reject_binary(std::string_view bytes, const std::string& context) {
  const void* nul = std::memchr(bytes.data(), 0, bytes.size());
  if (nul) {
    size_t at = static_cast<const char*>(nul) - bytes.data();
    throw Error(ErrorKind::kUnsupported,
                "binary file (NUL byte at offset " + std::to_string(at) +
                    "); hayloft reads text, Markdown, HTML, PDF, DOCX and source code",
                context);
  }
  size_t controls = 0;
  for (unsigned char c : bytes) controls += is_control(c);
  if (controls * 50 > bytes.size()) {
    throw Error(ErrorKind::kUnsupported,
                "binary file (" + std::to_string(controls) + " control bytes in " +
                    std::to_string(bytes.size()) + "); hayloft reads text, Markdown, HTML, PDF, DOCX and source code",
                context);
  }
}

Decoded decode_utf16(std::string_view bytes, bool little, const std::string& context) {
  Decoded d;
  d.encoding = little ? "utf-16le" : "utf-16be";
  if (bytes.size() % 2 != 0) {
    throw Error(ErrorKind::kUnsupported, "invalid UTF-16: odd number of bytes", context);
  }
  auto unit = [&](size_t i) -> uint32_t {
    auto b0 = static_cast<unsigned char>(bytes[i]), b1 = static_cast<unsigned char>(bytes[i + 1]);
    return little ? (b0 | (b1 << 8)) : ((b0 << 8) | b1);
  };
  std::string& out = d.storage;
  out.reserve(bytes.size() / 2);
  bool in_ascii_run = false;
  for (size_t i = 2; i < bytes.size();) {  // 2: after the BOM
    uint32_t cp = unit(i);
    size_t len = 2;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t lo = i + 3 < bytes.size() ? unit(i + 2) : 0;
      if (lo < 0xDC00 || lo > 0xDFFF) {
        throw Error(ErrorKind::kUnsupported,
                    "invalid UTF-16: unpaired surrogate at offset " + std::to_string(i), context);
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      len = 4;
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      throw Error(ErrorKind::kUnsupported,
                  "invalid UTF-16: unpaired surrogate at offset " + std::to_string(i), context);
    }
    if (cp == 0) {
      throw Error(ErrorKind::kUnsupported,
                  "binary file (NUL character at offset " + std::to_string(i) + " of UTF-16 text)", context);
    }
    int64_t dec = static_cast<int64_t>(out.size());
    if (cp < 0x80) {
      if (!in_ascii_run) d.anchors.push_back({dec, static_cast<int64_t>(i), 2});
      in_ascii_run = true;
    } else {
      d.anchors.push_back({dec, static_cast<int64_t>(i), 0});
      in_ascii_run = false;
    }
    append_utf8(out, cp);
    i += len;
  }
  d.anchors.push_back({static_cast<int64_t>(out.size()), static_cast<int64_t>(bytes.size()), 0});
  d.text = out;
  reject_binary(d.text, context);
  return d;
}

Decoded decode_cp1252(std::string_view bytes, size_t bad_utf8_at, const std::string& context) {
  size_t high = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) continue;
    ++high;
    if (c >= 0x80 && c <= 0x9F && kCp1252High[c - 0x80] == 0) {
      throw Error(ErrorKind::kUnsupported,
                  "not valid UTF-8 (bad byte " + hex_byte(static_cast<unsigned char>(bytes[bad_utf8_at])) +
                      " at offset " + std::to_string(bad_utf8_at) + ") and not Latin-1/Windows-1252 text (byte " +
                      hex_byte(c) + " at offset " + std::to_string(i) +
                      " is undefined there); convert the file to UTF-8",
                  context);
    }
  }
  if (high * 10 > bytes.size() * 3) {
    throw Error(ErrorKind::kUnsupported,
                "not valid UTF-8 (bad byte at offset " + std::to_string(bad_utf8_at) +
                    ") and too many non-ASCII bytes (" + std::to_string(high) + " of " +
                    std::to_string(bytes.size()) + ") to be Latin-1/Windows-1252 text; convert the file to UTF-8",
                context);
  }
  Decoded d;
  d.encoding = "windows-1252";
  std::string& out = d.storage;
  out.reserve(bytes.size() + high * 2);
  bool in_ascii_run = false;
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    int64_t dec = static_cast<int64_t>(out.size());
    if (c < 0x80) {
      if (!in_ascii_run) d.anchors.push_back({dec, static_cast<int64_t>(i), 1});
      in_ascii_run = true;
      out.push_back(static_cast<char>(c));
    } else {
      d.anchors.push_back({dec, static_cast<int64_t>(i), 0});
      in_ascii_run = false;
      append_utf8(out, c <= 0x9F ? kCp1252High[c - 0x80] : c);
    }
  }
  d.anchors.push_back({static_cast<int64_t>(out.size()), static_cast<int64_t>(bytes.size()), 0});
  d.text = out;
  return d;
}

}  // namespace

int64_t Decoded::to_source(int64_t offset) const {
  if (anchors.empty()) return base + offset;
  // Last anchor with dec <= offset.
  size_t lo = 0, hi = anchors.size();
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (anchors[mid].dec <= offset) lo = mid; else hi = mid;
  }
  const Anchor& a = anchors[lo];
  return a.src + (offset - a.dec) * a.scale;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool valid_utf8(std::string_view bytes, size_t* bad_offset) {
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0;
  while (i < n) {
    // ASCII fast path: 8 bytes at a time.
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, s + i, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t min;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) { len = 2; min = 0x80; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; min = 0x800; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; min = 0x10000; cp = c & 0x07; }
    else { if (bad_offset) *bad_offset = i; return false; }
    if (i + len > n) { if (bad_offset) *bad_offset = i; return false; }
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) { if (bad_offset) *bad_offset = i; return false; }
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      if (bad_offset) *bad_offset = i;
      return false;
    }
    i += len;
  }
  return true;
}

Decoded decode_text(std::string_view bytes, const std::string& context) {
  auto starts = [&](const char* magic, size_t len) {
    return bytes.size() >= len && std::memcmp(bytes.data(), magic, len) == 0;
  };
  if (starts("\xFF\xFE", 2) && !starts("\xFF\xFE\x00\x00", 4)) return decode_utf16(bytes, true, context);
  if (starts("\xFE\xFF", 2)) return decode_utf16(bytes, false, context);
  if (starts("\xFF\xFE\x00\x00", 4) || starts("\x00\x00\xFE\xFF", 4)) {
    throw Error(ErrorKind::kUnsupported, "UTF-32 text is not supported; convert the file to UTF-8", context);
  }
  reject_binary(bytes, context);
  Decoded d;
  if (starts("\xEF\xBB\xBF", 3)) {
    d.base = 3;
    d.encoding = "utf-8-bom";
    bytes.remove_prefix(3);
  } else {
    d.encoding = "utf-8";
  }
  size_t bad = 0;
  if (valid_utf8(bytes, &bad)) {
    d.text = bytes;
    return d;
  }
  if (d.base == 3) {
    throw Error(ErrorKind::kUnsupported,
                "invalid UTF-8 after a UTF-8 byte-order mark (bad byte at offset " + std::to_string(bad + 3) + ")",
                context);
  }
  return decode_cp1252(bytes, bad, context);
}

}  // namespace hayloft::ingest::detail
