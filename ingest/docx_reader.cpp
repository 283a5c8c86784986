// DOCX reader (Poco Zip + Poco XML SAX): paragraphs of word/document.xml, headings from paragraph styles
// (Heading1..9 and Title, by style id or by the style's name in word/styles.xml), title and author from
// docProps/core.xml. Zip-bomb guard: at most kMaxEntries entries, the declared sizes must fit the budget,
// and every inflate is counted against ReadOptions::max_uncompressed_bytes as it happens, because
// declared sizes can lie. Source map: text is compressed in the file, so spans cover the whole file.
#include <Poco/Exception.h>
#include <Poco/MemoryStream.h>
#include <Poco/SAX/Attributes.h>
#include <Poco/SAX/DefaultHandler.h>
#include <Poco/SAX/SAXParser.h>
#include <Poco/Zip/ZipArchive.h>
#include <Poco/Zip/ZipStream.h>

#include <cctype>
#include <map>

#include "ingest/internal.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace hayloft::ingest::detail {
namespace {

constexpr size_t kMaxEntries = 10000;  // real documents have tens; thousands means something is off

// Heading level from a style id or name: "Heading2" / "heading 2" → 2, "Title" → 1, else 0.
int heading_level(std::string style) {
  style = ascii_lower(style);
  if (style == "title") return 1;
  if (style.rfind("heading", 0) != 0) return 0;
  std::string rest = style.substr(7);
  if (!rest.empty() && rest[0] == ' ') rest = rest.substr(1);
  if (rest.size() != 1 || rest[0] < '1' || rest[0] > '9') return 0;
  return rest[0] - '0';
}

std::string local_name(const Poco::XML::XMLString& local, const Poco::XML::XMLString& qname) {
  if (!local.empty()) return local;
  size_t colon = qname.find(':');
  return colon == std::string::npos ? qname : qname.substr(colon + 1);
}

std::string attr(const Poco::XML::Attributes& attrs, const char* local) {
  for (int i = 0; i < attrs.getLength(); ++i) {
    if (local_name(attrs.getLocalName(i), attrs.getQName(i)) == local) return attrs.getValue(i);
  }
  return {};
}

// word/styles.xml: style id → heading level, for styles whose *name* says heading (localised ids).
class StylesHandler : public Poco::XML::DefaultHandler {
 public:
  std::map<std::string, int> levels;
  void startElement(const Poco::XML::XMLString&, const Poco::XML::XMLString& local, const Poco::XML::XMLString& qname,
                    const Poco::XML::Attributes& attrs) override {
    std::string name = local_name(local, qname);
    if (name == "style") id_ = attr(attrs, "styleId");
    else if (name == "name" && !id_.empty()) {
      if (int level = heading_level(attr(attrs, "val"))) levels[id_] = level;
    }
  }
 private:
  std::string id_;
};

// docProps/core.xml: the text of dc:title, dc:creator, dcterms:created, dcterms:modified.
class CoreHandler : public Poco::XML::DefaultHandler {
 public:
  std::map<std::string, std::string> values;
  void startElement(const Poco::XML::XMLString&, const Poco::XML::XMLString& local, const Poco::XML::XMLString& qname,
                    const Poco::XML::Attributes&) override {
    current_ = local_name(local, qname);
  }
  void endElement(const Poco::XML::XMLString&, const Poco::XML::XMLString&, const Poco::XML::XMLString&) override {
    current_.clear();
  }
  void characters(const Poco::XML::XMLChar ch[], int start, int length) override {
    if (!current_.empty()) values[current_].append(ch + start, static_cast<size_t>(length));
  }
 private:
  std::string current_;
};

// word/document.xml: paragraphs (w:p) made of runs of w:t, with w:tab and w:br inside.
class DocumentHandler : public Poco::XML::DefaultHandler {
 public:
  DocumentHandler(Document& doc, const std::map<std::string, int>& style_levels, int64_t source_size)
      : doc_(doc), out_(doc), style_levels_(style_levels), size_(source_size) {}

  void startElement(const Poco::XML::XMLString&, const Poco::XML::XMLString& local, const Poco::XML::XMLString& qname,
                    const Poco::XML::Attributes& attrs) override {
    std::string name = local_name(local, qname);
    if (name == "p") {
      para_.clear();
      level_ = 0;
    } else if (name == "pStyle") {
      std::string style = attr(attrs, "val");
      auto it = style_levels_.find(style);
      level_ = it != style_levels_.end() ? it->second : heading_level(style);
    } else if (name == "t") {
      in_text_ = true;
    } else if (name == "tab") {
      para_ += ' ';
    } else if (name == "br" || name == "cr") {
      para_ += '\n';
    }
  }

  void endElement(const Poco::XML::XMLString&, const Poco::XML::XMLString& local, const Poco::XML::XMLString& qname) override {
    std::string name = local_name(local, qname);
    if (name == "t") in_text_ = false;
    else if (name == "p") flush();
  }

  void characters(const Poco::XML::XMLChar ch[], int start, int length) override {
    if (in_text_) para_.append(ch + start, static_cast<size_t>(length));
  }

  void finish() { out_.trim_end(); }

 private:
  void flush() {
    std::string text = normalise_prose(para_);
    para_.clear();
    if (text.empty()) return;
    out_.paragraph_break();
    int64_t start = out_.size();
    out_.append(text, 0, size_);
    if (level_ > 0) {
      std::string title = text;
      for (char& c : title) if (c == '\n') c = ' ';
      doc_.headings.push_back({start, level_, title});
    }
  }

  Document& doc_;
  TextBuilder out_;
  const std::map<std::string, int>& style_levels_;
  int64_t size_;
  std::string para_;
  int level_ = 0;
  bool in_text_ = false;
};

class DocxReader {
 public:
  DocxReader(std::string_view bytes, Document& doc, const ReadOptions& options)
      : bytes_(bytes), doc_(doc), budget_(options.max_uncompressed_bytes) {}

  void run() {
    count_local_headers();
    check_zip64_records();
    Poco::MemoryInputStream in(bytes_.data(), bytes_.size());
    Poco::Zip::ZipArchive archive(in);
    check_directory(archive);
    std::string document;
    if (!inflate(archive, "word/document.xml", &document)) {
      throw Error(ErrorKind::kCorrupt, "not a Word document: word/document.xml is missing", doc_.path);
    }
    StylesHandler styles;
    std::string xml;
    if (inflate(archive, "word/styles.xml", &xml)) parse(xml, styles);
    CoreHandler core;
    if (inflate(archive, "docProps/core.xml", &xml)) parse(xml, core);

    DocumentHandler handler(doc_, styles.levels, static_cast<int64_t>(bytes_.size()));
    parse(document, handler);
    handler.finish();

    auto value = [&](const char* key) {
      auto it = core.values.find(key);
      return it == core.values.end() ? std::string() : normalise_prose(it->second);
    };
    doc_.title = value("title");
    if (!value("creator").empty()) doc_.metadata["author"] = value("creator");
    if (!value("created").empty()) doc_.metadata["created"] = value("created");
    if (!value("modified").empty()) doc_.metadata["modified"] = value("modified");
    if (doc_.title.empty()) {
      for (const Heading& h : doc_.headings) {
        if (h.level == 1) {
          doc_.title = h.title;
          break;
        }
      }
    }
    if (doc_.title.empty()) doc_.title = file_stem(doc_.path);
  }

 private:
  // Before Poco builds an object per entry: a 64 MB zip of empty entries holds millions of them. Local
  // header signatures are counted as an upper bound (compressed data rarely contains one by chance).
  void count_local_headers() const {
    size_t entries = 0;
    for (size_t at = bytes_.find("PK\x03\x04"); at != std::string_view::npos; at = bytes_.find("PK\x03\x04", at + 4)) {
      if (++entries > kMaxEntries) {
        throw Error(ErrorKind::kResourceExhausted,
                    "DOCX has more than " + std::to_string(kMaxEntries) + " entries (zip-bomb guard)", doc_.path);
      }
    }
  }

  // Poco allocates the "size of zip64 end of central directory record" it reads, unchecked: a hostile
  // value asks for petabytes (found by docx_fuzz under ASan). A DOCX within our limits never needs ZIP64,
  // so any record claiming more bytes than the file holds is corrupt. (Compressed data can contain the
  // signature by chance, ~1 in 4e9 bytes; such a file would be rejected too.)
  void check_zip64_records() const {
    static constexpr std::string_view kZip64End("PK\x06\x06", 4);
    for (size_t at = bytes_.find(kZip64End); at != std::string_view::npos; at = bytes_.find(kZip64End, at + 4)) {
      uint64_t record_bytes = 0;
      if (at + 12 <= bytes_.size()) {
        for (int i = 7; i >= 0; --i) record_bytes = (record_bytes << 8) | static_cast<uint8_t>(bytes_[at + 4 + i]);
      }
      if (at + 12 > bytes_.size() || record_bytes > bytes_.size() - at - 12) {
        throw Error(ErrorKind::kCorrupt,
                    "corrupt DOCX: ZIP64 end record at byte " + std::to_string(at) + " runs past the end of the file",
                    doc_.path);
      }
    }
  }

  void check_directory(const Poco::Zip::ZipArchive& archive) {
    size_t entries = 0;
    uint64_t declared = 0;
    for (auto it = archive.headerBegin(); it != archive.headerEnd(); ++it) {
      if (++entries > kMaxEntries) {
        throw Error(ErrorKind::kResourceExhausted,
                    "DOCX has more than " + std::to_string(kMaxEntries) + " entries (zip-bomb guard)", doc_.path);
      }
      declared += it->second.getUncompressedSize();
    }
    if (budget_ >= 0 && declared > static_cast<uint64_t>(budget_)) {
      throw Error(ErrorKind::kResourceExhausted,
                  "DOCX would expand to " + std::to_string(declared) + " bytes, over the limit of " +
                      std::to_string(budget_) + " (zip-bomb guard, ingest.max_uncompressed_bytes)",
                  doc_.path);
    }
  }

  // Inflates one entry into *out, counting against the budget as bytes arrive. False when absent.
  bool inflate(const Poco::Zip::ZipArchive& archive, const std::string& name, std::string* out) {
    out->clear();
    auto it = archive.findHeader(name);
    if (it == archive.headerEnd()) return false;
    Poco::MemoryInputStream in(bytes_.data(), bytes_.size());
    Poco::Zip::ZipInputStream zin(in, it->second, true);
    char buf[65536];
    while (zin) {
      zin.read(buf, sizeof buf);
      auto got = static_cast<int64_t>(zin.gcount());
      if (got <= 0) break;
      inflated_ += got;
      if (budget_ >= 0 && inflated_ > budget_) {
        throw Error(ErrorKind::kResourceExhausted,
                    "DOCX expands past the limit of " + std::to_string(budget_) +
                        " bytes while inflating " + name + " (zip-bomb guard, ingest.max_uncompressed_bytes)",
                    doc_.path);
      }
      out->append(buf, static_cast<size_t>(got));
    }
    if (zin.bad()) throw Error(ErrorKind::kCorrupt, "DOCX entry " + name + " does not inflate", doc_.path);
    return true;
  }

  void parse(const std::string& xml, Poco::XML::DefaultHandler& handler) {
    Poco::XML::SAXParser parser;
    parser.setFeature(Poco::XML::XMLReader::FEATURE_NAMESPACES, true);
    parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_GENERAL_ENTITIES, false);
    parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_PARAMETER_ENTITIES, false);
    parser.setContentHandler(&handler);
    parser.parseString(xml);
  }

  std::string_view bytes_;
  Document& doc_;
  int64_t budget_;
  int64_t inflated_ = 0;
};

}  // namespace

void read_docx(std::string_view bytes, Document& doc, const ReadOptions& options) {
  try {
    DocxReader(bytes, doc, options).run();
  } catch (const Error&) {
    throw;
  } catch (const Poco::Exception& e) {
    throw Error(ErrorKind::kCorrupt, "corrupt DOCX: " + e.displayText(), doc.path);
  } catch (const std::exception& e) {
    throw Error(ErrorKind::kCorrupt, std::string("corrupt DOCX: ") + e.what(), doc.path);
  }
}

}  // namespace hayloft::ingest::detail
