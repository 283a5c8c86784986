#pragma once
// ingest: turns files into normalised text with a map back to the source, and cuts that text into
// token-aware chunks. Knows nothing of the index or of models (a token counter is passed in).
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hayloft::ingest {

enum class DocType { kText, kMarkdown, kHtml, kPdf, kDocx, kCode };
const char* doc_type_name(DocType type);  // "text", "markdown", "html", "pdf", "docx", "code"

// Maps a run of normalised text [text_start, text_end) to source bytes [source_start, source_end) and a
// page (1-based; 0 when the format has no pages). Spans are sorted by text_start and do not overlap.
struct SourceSpan {
  int64_t text_start = 0;
  int64_t text_end = 0;
  int64_t source_start = 0;
  int64_t source_end = 0;
  int page = 0;
};

// A heading met in the document: where it starts in the normalised text, its level (1 = top) and title.
struct Heading {
  int64_t text_start = 0;
  int level = 1;
  std::string title;
};

struct Document {
  std::string path;
  DocType type = DocType::kText;
  std::string language;   // source code language ("cpp", "python", ...); empty for prose
  std::string title;      // from the format (HTML <title>, first heading, DOCX core props) or file name
  std::string text;       // normalised UTF-8
  std::vector<SourceSpan> source_map;
  std::vector<Heading> headings;
  int page_count = 0;     // PDF only
  std::map<std::string, std::string> metadata;  // format-specific extras (author, created, ...)
  std::string content_hash;  // hex SHA-256 of the source bytes
  int64_t source_bytes = 0;
  int64_t mtime = 0;         // seconds since the epoch
};

struct ReadOptions {
  int64_t max_file_bytes = 64 << 20;           // larger files: Error{kResourceExhausted}
  int64_t max_uncompressed_bytes = 256 << 20;  // DOCX inflate limit (zip-bomb guard)
};

// Reads one file, choosing the reader by content sniffing first and extension second. Throws
// hayloft::Error with a clear message for: missing/vanished file (kIo/kNotFound), over the size limit
// (kResourceExhausted), empty or binary file, invalid UTF-8 / unknown encoding (kUnsupported or
// kCorrupt), corrupt PDF/DOCX (kCorrupt), zip bomb (kResourceExhausted).
Document read_document(const std::string& path, const ReadOptions& options);

// The same, over bytes already in memory; `name` stands in for the path (its extension is a hint).
// Fuzz targets and tests use this.
Document read_bytes(std::string_view bytes, const std::string& name, const ReadOptions& options);

// Counts tokens in a piece of text. The engine's tokenizer plugs in here; until then
// approximate_token_counter() is used (documented in its implementation).
using TokenCounter = std::function<int(std::string_view)>;
TokenCounter approximate_token_counter();

struct ChunkOptions {
  int target_tokens = 256;
  int overlap_tokens = 32;
};

struct Chunk {
  int ordinal = 0;         // 0-based position in the document
  std::string text;
  int64_t start = 0;       // [start, end) in Document::text
  int64_t end = 0;
  int64_t source_start = 0;  // [source_start, source_end) in the source bytes
  int64_t source_end = 0;
  int page = 0;            // page of `start` (PDF), else 0
  std::string heading_path;  // e.g. "Install > Debian"
  int tokens = 0;          // as counted by the TokenCounter
};

// Cuts a document into chunks of about target_tokens, at paragraph/sentence boundaries where it can (at
// blank lines / function boundaries for code), never inside a UTF-8 sequence.
std::vector<Chunk> chunk_document(const Document& doc, const TokenCounter& count,
                                  const ChunkOptions& options);

struct WalkOptions {
  std::vector<std::string> include;  // globs; empty = all
  std::vector<std::string> exclude;
};

// Expands files and folders (recursively) into a sorted list of file paths, applying the globs.
std::vector<std::string> list_files(const std::vector<std::string>& paths, const WalkOptions& options);

}  // namespace hayloft::ingest
