#pragma once
// Shared body of the ingest fuzz targets: read bytes as a named file, then chunk the result and check
// the invariants a caller relies on. Only hayloft::Error may escape read_bytes; anything else (another
// exception type, a broken invariant) aborts so that the fuzzer reports it.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/ingest.hpp"
#include "util/error.hpp"

namespace hayloft::ingest::fuzz {

inline void check(bool ok) {
  if (!ok) std::abort();
}

inline void read_and_chunk(const uint8_t* data, size_t size, const char* name) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ReadOptions options;
  options.max_file_bytes = 1 << 20;
  options.max_uncompressed_bytes = 8 << 20;  // keeps each run fast; the guard itself is what is tested
  Document doc;
  try {
    doc = read_bytes(bytes, name, options);
  } catch (const Error&) {
    return;  // rejected with a clear error: fine
  }
  int64_t prev = 0;
  for (const SourceSpan& s : doc.source_map) {
    check(s.text_start >= prev && s.text_start <= s.text_end);
    check(s.text_end <= static_cast<int64_t>(doc.text.size()));
    check(s.source_start >= 0 && s.source_start <= s.source_end && s.source_end <= static_cast<int64_t>(size));
    prev = s.text_end;
  }
  for (const Heading& h : doc.headings) check(h.text_start >= 0 && h.text_start <= static_cast<int64_t>(doc.text.size()));
  TokenCounter count = approximate_token_counter();
  ChunkOptions options_small{16, 4};
  std::vector<Chunk> chunks = chunk_document(doc, count, options_small);
  int64_t last_start = -1;
  for (const Chunk& c : chunks) {
    check(c.start > last_start && c.start < c.end && c.end <= static_cast<int64_t>(doc.text.size()));
    check(c.tokens <= options_small.target_tokens || c.end - c.start <= 4);
    check(c.source_start <= c.source_end);
    // Never inside a UTF-8 sequence: a chunk does not start on a continuation byte.
    check((static_cast<unsigned char>(doc.text[c.start]) & 0xC0) != 0x80);
    check(c.end == static_cast<int64_t>(doc.text.size()) ||
          (static_cast<unsigned char>(doc.text[c.end]) & 0xC0) != 0x80);
    last_start = c.start;
  }
}

}  // namespace hayloft::ingest::fuzz
