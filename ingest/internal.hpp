#pragma once
// ingest internals shared by the readers: decoding bytes to UTF-8 with a way back to source offsets, and a
// builder that appends normalised text while recording the source map. Not part of the public API.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/ingest.hpp"

namespace hayloft::ingest::detail {

// ---------------------------------------------------------------------------------------------------
// Decoding

// A point where the decoded→source offset relation changes: for decoded offsets from `dec` on,
// source = src + (offset - dec) * scale. scale is the source bytes per decoded byte of the run (1 for
// Windows-1252 ASCII, 2 for UTF-16 ASCII, 0 inside a multi-byte character that maps to one source unit).
struct Anchor {
  int64_t dec = 0;
  int64_t src = 0;
  int scale = 1;
};

// Source bytes decoded to UTF-8. When the source was UTF-8 already, `text` views the source and source
// offsets are `base + offset` exactly; when it was transcoded, `anchors` map offsets back.
struct Decoded {
  std::string_view text;
  std::string storage;        // owns `text` when transcoded
  int64_t base = 0;           // bytes of BOM skipped (identity case)
  std::vector<Anchor> anchors;  // empty = identity
  std::string encoding;       // "utf-8", "utf-8-bom", "utf-16le", "utf-16be", "windows-1252"

  int64_t to_source(int64_t offset) const;
  bool identity() const { return anchors.empty(); }
};

// Decodes text bytes: strips a UTF-8 BOM, converts UTF-16 with a BOM, accepts valid UTF-8, and falls
// back to Windows-1252 for bytes that are not UTF-8 but look like single-byte text (see encoding.cpp).
// Rejects binary content (NUL bytes, many control bytes) and undecodable bytes with Error{kUnsupported}.
// `context` names the file in errors.
Decoded decode_text(std::string_view bytes, const std::string& context);

// True when `bytes` is valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF). On failure
// `bad_offset` gets the offset of the first invalid byte.
bool valid_utf8(std::string_view bytes, size_t* bad_offset);

// Appends the UTF-8 encoding of code point `cp` (U+FFFD for invalid ones).
void append_utf8(std::string& out, uint32_t cp);

// ---------------------------------------------------------------------------------------------------
// Building normalised text

// Appends text to Document::text and SourceSpans to Document::source_map. Adjacent 1:1 spans that are
// contiguous in both text and source are merged, so an unchanged UTF-8 file gets a handful of spans.
class TextBuilder {
 public:
  explicit TextBuilder(Document& doc) : doc_(doc) {}

  void set_page(int page) { page_ = page; }
  // Appends `s`, which stands for source bytes [src_start, src_end).
  void append(std::string_view s, int64_t src_start, int64_t src_end);
  // Appends decoded.text[a, b) verbatim, mapping it through `decoded`.
  void copy(const Decoded& decoded, int64_t a, int64_t b);
  // Appends decoded.text[a, b) as prose: runs of whitespace become one space; leading whitespace is
  // dropped when the text already ends in whitespace.
  void prose(const Decoded& decoded, int64_t a, int64_t b);
  // Separators carry no source bytes. space(): one space unless at start or after whitespace.
  void space();
  void line_break();       // ends the current line (no blank line)
  void paragraph_break();  // ensures the text ends in exactly one blank line (unless empty)
  // Drops trailing spaces/newlines (and trims spans that covered them).
  void trim_end();
  int64_t size() const { return static_cast<int64_t>(doc_.text.size()); }
  bool ends_with_space() const;

 private:
  void cut(int64_t n);  // truncates the text to n bytes and the spans with it
  Document& doc_;
  int page_ = 0;
};

// Prose normalisation of a string that has no byte-exact source (PDF page text, DOCX paragraphs):
// lines trimmed, runs of spaces collapsed, line endings \n, 2+ blank lines → one blank line.
std::string normalise_prose(std::string_view s);

// Fills title-less documents with the file name's stem; sets headings' titles trimmed.
std::string file_stem(const std::string& name);
std::string lower_extension(const std::string& name);  // ".md" → "md"; "" when none

// Readers. Each fills doc.text, source_map, headings, title (when the format has one), language, etc.
void read_plain(std::string_view bytes, Document& doc);     // kText
void read_markdown(std::string_view bytes, Document& doc);  // kMarkdown
void read_code(std::string_view bytes, Document& doc);      // kCode (doc.language set by the caller)
void read_html(std::string_view bytes, Document& doc);      // kHtml
void read_pdf(std::string_view bytes, Document& doc);       // kPdf
void read_docx(std::string_view bytes, Document& doc, const ReadOptions& options);  // kDocx

// Language of a source file from its name (extension or well-known name), or "" when not code.
std::string code_language(const std::string& name);
// Language from a "#!" line, or "".
std::string shebang_language(std::string_view bytes);

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace hayloft::ingest::detail
