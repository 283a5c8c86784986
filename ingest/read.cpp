// read_document / read_bytes: size limits, content sniffing, reader dispatch, hashing.
//
// Sniffing order: content first (PDF and ZIP magic, other well-known binary magic, HTML markers), then the
// extension (.md, .html, code extensions), then a "#!" line; everything else is plain text.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <array>
#include <cerrno>
#include <cctype>
#include <cstring>

#include "ingest/internal.hpp"
#include "util/error.hpp"
#include "util/file_map.hpp"

namespace hayloft::ingest {

const char* doc_type_name(DocType type) {
  switch (type) {
    case DocType::kText: return "text";
    case DocType::kMarkdown: return "markdown";
    case DocType::kHtml: return "html";
    case DocType::kPdf: return "pdf";
    case DocType::kDocx: return "docx";
    case DocType::kCode: return "code";
  }
  return "unknown";
}

namespace {

using detail::lower_extension;

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Names well-known binary formats by their magic bytes, for a clearer "unsupported" message.
const char* binary_format_name(std::string_view b) {
  static const std::array<std::pair<std::string_view, const char*>, 16> kMagic = {{
      {"\x89PNG", "PNG image"}, {"\xFF\xD8\xFF", "JPEG image"}, {"GIF8", "GIF image"},
      {"\x7F" "ELF", "ELF executable"}, {"\x1F\x8B", "gzip archive"}, {"BZh", "bzip2 archive"},
      {"\xFD" "7zXZ", "xz archive"}, {"7z\xBC\xAF", "7-Zip archive"}, {"SQLite format 3", "SQLite database"},
      {"OggS", "Ogg media"}, {"ID3", "MP3 audio"}, {"RIFF", "RIFF media"}, {"MZ", "Windows executable"},
      {"\xCA\xFE\xBA\xBE", "Java class or Mach-O file"}, {std::string_view("\0asm", 4), "WebAssembly module"},
      {"GGUF", "GGUF model"},
  }};
  for (const auto& [magic, name] : kMagic) {
    if (starts_with(b, magic)) return name;
  }
  if (b.size() >= 8 && b.substr(4, 4) == "ftyp") return "MP4/QuickTime media";
  return nullptr;
}

// Case-insensitive search for an ASCII needle (lower case) in the first bytes.
bool head_contains(std::string_view b, std::string_view needle, size_t limit) {
  std::string_view head = b.substr(0, limit);
  if (head.size() < needle.size()) return false;
  for (size_t i = 0; i + needle.size() <= head.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && std::tolower(static_cast<unsigned char>(head[i + k])) == needle[k]) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

bool looks_like_html(std::string_view b) {
  size_t i = 0;
  if (starts_with(b, "\xEF\xBB\xBF")) i = 3;
  while (i < b.size() && detail::is_space(b[i])) ++i;
  std::string_view rest = b.substr(i);
  if (rest.empty() || rest[0] != '<') return false;
  return head_contains(rest, "<!doctype html", 32) || head_contains(rest, "<html", 16) ||
         head_contains(rest, "<head", 16) || head_contains(rest, "<body", 16);
}

DocType sniff(std::string_view b, const std::string& name, std::string* language) {
  const std::string ext = lower_extension(name);
  if (head_contains(b, "%pdf-", 1024)) return DocType::kPdf;
  if (starts_with(b, "PK\x03\x04") || starts_with(b, "PK\x05\x06")) {
    if (ext == "docx" || b.find("word/document.xml") != std::string_view::npos) return DocType::kDocx;
    throw Error(ErrorKind::kUnsupported, "ZIP archive that is not a DOCX document", name);
  }
  if (const char* format = binary_format_name(b)) {
    throw Error(ErrorKind::kUnsupported, std::string("unsupported binary format (") + format + ")", name);
  }
  if (ext == "pdf") throw Error(ErrorKind::kCorrupt, "not a PDF: the %PDF- header is missing", name);
  if (ext == "docx") throw Error(ErrorKind::kCorrupt, "not a DOCX: it is not a ZIP archive", name);
  if (looks_like_html(b) || ext == "html" || ext == "htm" || ext == "xhtml") return DocType::kHtml;
  if (ext == "md" || ext == "markdown" || ext == "mdown" || ext == "mkd") return DocType::kMarkdown;
  *language = detail::code_language(name);
  if (language->empty()) *language = detail::shebang_language(b);
  return language->empty() ? DocType::kText : DocType::kCode;
}

std::string sha256_hex(std::string_view bytes) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(bytes.data(), static_cast<unsigned>(bytes.size()));
  return Poco::DigestEngine::digestToHex(engine.digest());
}

}  // namespace

Document read_bytes(std::string_view bytes, const std::string& name, const ReadOptions& options) {
  if (options.max_file_bytes >= 0 && static_cast<int64_t>(bytes.size()) > options.max_file_bytes) {
    throw Error(ErrorKind::kResourceExhausted,
                "file is " + std::to_string(bytes.size()) + " bytes, over the limit of " +
                    std::to_string(options.max_file_bytes) + " (ingest.max_file_bytes)",
                name);
  }
  if (bytes.empty()) throw Error(ErrorKind::kUnsupported, "file is empty", name);
  Document doc;
  doc.path = name;
  doc.source_bytes = static_cast<int64_t>(bytes.size());
  doc.type = sniff(bytes, name, &doc.language);
  switch (doc.type) {
    case DocType::kText: detail::read_plain(bytes, doc); break;
    case DocType::kMarkdown: detail::read_markdown(bytes, doc); break;
    case DocType::kCode: detail::read_code(bytes, doc); break;
    case DocType::kHtml: detail::read_html(bytes, doc); break;
    case DocType::kPdf: detail::read_pdf(bytes, doc); break;
    case DocType::kDocx: detail::read_docx(bytes, doc, options); break;
  }
  bool blank = true;
  for (char c : doc.text) {
    if (!detail::is_space(c)) {
      blank = false;
      break;
    }
  }
  if (blank) {
    throw Error(ErrorKind::kUnsupported,
                std::string("no text found in this ") + doc_type_name(doc.type) + " file" +
                    (doc.type == DocType::kPdf ? " (a scanned PDF needs OCR, which hayloft does not do)" : ""),
                name);
  }
  doc.content_hash = sha256_hex(bytes);
  return doc;
}

Document read_document(const std::string& path, const ReadOptions& options) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      throw Error(ErrorKind::kNotFound, "file not found (was it moved or deleted?)", path);
    }
    throw Error(ErrorKind::kIo, std::string("cannot read file: ") + std::strerror(err), path);
  }
  if (S_ISDIR(st.st_mode)) throw Error(ErrorKind::kInvalidArgument, "is a folder, not a file", path);
  if (!S_ISREG(st.st_mode)) throw Error(ErrorKind::kUnsupported, "not a regular file", path);
  if (options.max_file_bytes >= 0 && st.st_size > options.max_file_bytes) {
    throw Error(ErrorKind::kResourceExhausted,
                "file is " + std::to_string(st.st_size) + " bytes, over the limit of " +
                    std::to_string(options.max_file_bytes) + " (ingest.max_file_bytes)",
                path);
  }
  std::string bytes;
  try {
    bytes = read_file(path, options.max_file_bytes);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kIo && ::access(path.c_str(), F_OK) != 0) {
      throw Error(ErrorKind::kNotFound, "file vanished while it was being read", path);
    }
    throw;
  }
  Document doc = read_bytes(bytes, path, options);
  doc.mtime = static_cast<int64_t>(st.st_mtime);
  return doc;
}

}  // namespace hayloft::ingest
