#pragma once
// ingest: turns files into normalised text with a map back to the source, and cuts that text into
// token-aware chunks. Knows nothing of the index or of models (a token counter is passed in).
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hayloft::config {
struct IngestConfig;
}

namespace hayloft::ingest {

enum class DocType { kText, kMarkdown, kHtml, kPdf, kDocx, kCode };
const char* doc_type_name(DocType type);  // "text", "markdown", "html", "pdf", "docx", "code"

// Maps a run of normalised text [text_start, text_end) to source bytes [source_start, source_end) and a
// page (1-based; 0 when the format has no pages). Spans are sorted by text_start and do not overlap; text
// between spans (synthetic separators such as paragraph breaks) has no source. Where the two lengths are
// equal the text is a verbatim copy of those bytes; otherwise it was rewritten (an entity, a transcoded
// character, a collapsed run of spaces). PDF and DOCX keep their text compressed, so their spans cover
// the whole file and `page` (PDF) is the locator.
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

// Reads one file, choosing the reader by content sniffing first and extension second. Text encodings:
// UTF-8 (a BOM is stripped), UTF-16 LE/BE with a BOM, and Windows-1252/Latin-1 when the bytes are not
// UTF-8 but look like single-byte text (Document::metadata["encoding"] says which). Throws hayloft::Error
// (context = path) with a message a user understands for: missing or vanished file (kNotFound), a folder
// (kInvalidArgument), over max_file_bytes (kResourceExhausted), empty, binary, undecodable or text-less
// file (kUnsupported), corrupt PDF/DOCX or wrong content for a .pdf/.docx (kCorrupt), password-protected
// PDF (kUnsupported), zip bomb (kResourceExhausted). Thread-safe: call it from many threads at once.
Document read_document(const std::string& path, const ReadOptions& options);

// The same, over bytes already in memory; `name` stands in for the path (its extension is a hint).
// Fuzz targets and tests use this.
Document read_bytes(std::string_view bytes, const std::string& name, const ReadOptions& options);

// Counts tokens in a piece of text. The engine's tokenizer plugs in here; until then
// approximate_token_counter() is used (documented, with its measured error, in token_counter.cpp: within
// a few percent of SmolLM2's BPE on prose and code). Must be callable from several threads if chunking is.
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

// Cuts a document into chunks of at most target_tokens (as counted by `count`; an empty function means
// the approximate counter), at heading/paragraph/sentence boundaries where it can (blank lines and
// top-level lines for code), else words, else bytes, never inside a UTF-8 sequence. Each chunk after the
// first repeats up to overlap_tokens (clamped to target/2) from the end of the one before, starting at a
// word, except across a heading. Chunk text is trimmed of surrounding whitespace; every non-space byte of
// Document::text is in some chunk. Throws Error{kInvalidArgument} for target_tokens <= 0.
std::vector<Chunk> chunk_document(const Document& doc, const TokenCounter& count,
                                  const ChunkOptions& options);

struct WalkOptions {
  std::vector<std::string> include;  // globs; empty = all
  std::vector<std::string> exclude;
};

// Expands files and folders (recursively) into a sorted, de-duplicated list of regular files. Globs match
// the path relative to the folder given ('*' and '?' stop at '/', '**' crosses it, "**/" may match
// nothing); a glob without '/' matches the file name at any depth ("*.md"). Excludes also prune folders.
// Files named directly are always taken. Symlinked files are followed, symlinked folders are not.
// A missing path → Error{kNotFound}.
std::vector<std::string> list_files(const std::vector<std::string>& paths, const WalkOptions& options);

// The options above, from the "ingest" section of the config.
ReadOptions read_options(const config::IngestConfig& config);
ChunkOptions chunk_options(const config::IngestConfig& config);
WalkOptions walk_options(const config::IngestConfig& config);

}  // namespace hayloft::ingest
