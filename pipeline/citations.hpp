#pragma once
// Citations: which chunks of the context an answer rests on. First from the markers the model wrote
// ([C3], [3], (C3), [C3, C5], [C3][C4]; marker n = the n-th chunk of the prompt); when it wrote none,
// by matching the answer against the context chunks (the longest run of words shared with each chunk).
// Every citation is checked: its chunk must have been in the context and its quoted span must occur in
// that chunk's text; the rest are dropped and counted.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/types.hpp"

namespace hayloft::pipeline {

enum class CitationSource { kMarker, kMatch };
const char* citation_source_name(CitationSource source);  // "marker", "match"

struct Citation {
  int marker = 0;            // n of [C<n>]: 1-based place of the chunk in the prompt
  int64_t chunk_id = 0;
  int64_t document_id = 0;
  std::string document_path;
  int page = 0;
  int64_t source_start = 0;  // the chunk's span in the source bytes
  int64_t source_end = 0;
  std::string quote;         // the span of the chunk text the answer relies on (occurs verbatim in it)
  int64_t quote_start = 0;   // [quote_start, quote_end) in the chunk text, bytes
  int64_t quote_end = 0;
  // The quote's span in the source bytes when the chunk's text is its source verbatim (same length:
  // plain text, Markdown, code); -1 when the reader transformed the text (PDF, HTML, DOCX).
  int64_t quote_source_start = -1;
  int64_t quote_source_end = -1;
  CitationSource source = CitationSource::kMarker;
};

struct CitationOptions {
  int min_match_words = 4;  // a match needs this many words in a row (fewer if the answer is shorter)
  int max_matches = 3;      // most chunks cited by matching
};

struct CitationResult {
  std::vector<Citation> citations;   // valid ones, in order of first mention (markers) or match strength
  int markers_found = 0;             // markers parsed from the answer, valid or not
  int dropped = 0;                   // invalid citations left out
  std::vector<std::string> dropped_reasons;  // one per dropped citation, e.g. "[C9]: no chunk 9 in the context"
};

struct ParsedMarker {
  int n = 0;
  size_t begin = 0;  // byte span of the bracket group in the answer
  size_t end = 0;
};

// Marker references in the order written; "[C3, C5]" yields two with the same span. Plain "(3)" is not a
// marker (too often a year or a list number); "[3]" and "(C3)" are.
std::vector<ParsedMarker> parse_markers(std::string_view answer);

// `context` is the prompt's chunks in marker order (RenderedContext::chunks).
CitationResult extract_citations(std::string_view answer, const std::vector<ContextChunk>& context,
                                 const CitationOptions& options);

// Checks a quote the caller (or a model) claims for a chunk: returns its byte offset in the chunk text,
// comparing case-insensitively with runs of whitespace equal; -1 when it does not occur.
int64_t find_quote(std::string_view chunk_text, std::string_view quote);

}  // namespace hayloft::pipeline
