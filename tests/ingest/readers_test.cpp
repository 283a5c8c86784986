// Reader outputs on the committed fixtures in tests/data/ingest (made by scripts/make_ingest_fixtures.py
// and by hand): type, title, headings, pages, normalisation, and source spans pointing at the right bytes.
#include <gtest/gtest.h>

#include <algorithm>

#include "ingest/ingest.hpp"
#include "util/util.hpp"

namespace hayloft::ingest {
namespace {

const std::string kData = std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/ingest/";

Document read(const std::string& name) { return read_document(kData + name, ReadOptions{}); }

// Every span whose text and source have the same length must be a verbatim copy of those bytes.
// Returns how many spans were checked.
int expect_exact_spans(const Document& doc, const std::string& source) {
  int checked = 0;
  int64_t prev_end = 0;
  for (const SourceSpan& s : doc.source_map) {
    EXPECT_LE(prev_end, s.text_start);
    EXPECT_LE(s.text_start, s.text_end);
    EXPECT_LE(s.text_end, static_cast<int64_t>(doc.text.size()));
    EXPECT_LE(s.source_end, static_cast<int64_t>(source.size()));
    prev_end = s.text_end;
    if (s.text_end - s.text_start != s.source_end - s.source_start) continue;
    EXPECT_EQ(doc.text.substr(s.text_start, s.text_end - s.text_start),
              source.substr(s.source_start, s.source_end - s.source_start))
        << "span text [" << s.text_start << "," << s.text_end << ")";
    ++checked;
  }
  return checked;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

TEST(PlainText, NormalisesAndMapsBackToSource) {
  Document doc = read("essay.txt");
  std::string source = read_file(kData + "essay.txt");
  EXPECT_EQ(doc.type, DocType::kText);
  EXPECT_EQ(doc.title, "essay");
  EXPECT_EQ(doc.content_hash, "0111c10328933b0e90d7a696cb07fa1c89aaf9c773706b28d687a2489384692b");
  EXPECT_EQ(doc.source_bytes, static_cast<int64_t>(source.size()));
  EXPECT_GT(doc.mtime, 0);
  EXPECT_FALSE(contains(doc.text, "  "));      // runs of spaces collapsed
  EXPECT_FALSE(contains(doc.text, " \n"));     // lines trimmed
  EXPECT_FALSE(contains(doc.text, "\n\n\n"));  // at most one blank line
  EXPECT_EQ(doc.text.substr(0, 40), "Want to start a startup? Get funded by\nY");
  EXPECT_GT(expect_exact_spans(doc, source), 10);
  // Spans are merged where nothing changed: far fewer spans than lines.
  EXPECT_LT(doc.source_map.size(), static_cast<size_t>(std::count(source.begin(), source.end(), '\n')));
}

TEST(Markdown, HeadingsTitleAndReadableText) {
  Document doc = read("guide.md");
  std::string source = read_file(kData + "guide.md");
  EXPECT_EQ(doc.type, DocType::kMarkdown);
  EXPECT_EQ(doc.title, "Hayloft Guide");  // from the front matter
  ASSERT_EQ(doc.headings.size(), 4u);
  const std::pair<int, const char*> expected[] = {{1, "Install"}, {2, "Debian"}, {2, "Usage"}, {1, "Licence"}};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(doc.headings[i].level, expected[i].first);
    EXPECT_EQ(doc.headings[i].title, expected[i].second);
    EXPECT_EQ(doc.text.substr(doc.headings[i].text_start, doc.headings[i].title.size()), expected[i].second);
  }
  EXPECT_TRUE(contains(doc.text, "Hayloft needs a C++20 compiler."));
  EXPECT_TRUE(contains(doc.text, "It builds with CMake and Ninja."));  // ** and link syntax gone
  EXPECT_TRUE(contains(doc.text, "cmake -S . -B build   -G Ninja\n  ninja -C build"));  // code kept as is
  EXPECT_TRUE(contains(doc.text, "\nQuoted advice stays readable."));
  EXPECT_FALSE(contains(doc.text, "title:"));
  EXPECT_FALSE(contains(doc.text, "-----"));
  EXPECT_FALSE(contains(doc.text, "* * *"));
  EXPECT_FALSE(contains(doc.text, "# "));
  EXPECT_GT(expect_exact_spans(doc, source), 5);
}

TEST(Html, VisibleTextTitleHeadingsEntities) {
  Document doc = read("page.html");
  std::string source = read_file(kData + "page.html");
  EXPECT_EQ(doc.type, DocType::kHtml);
  EXPECT_EQ(doc.title, "The Hayloft & Barn");
  ASSERT_EQ(doc.headings.size(), 2u);
  EXPECT_EQ(doc.headings[0].title, "Barn History");
  EXPECT_EQ(doc.headings[0].level, 1);
  EXPECT_EQ(doc.headings[1].title, "Hay");
  EXPECT_EQ(doc.headings[1].level, 2);
  EXPECT_EQ(doc.text.substr(doc.headings[1].text_start, 3), "Hay");
  EXPECT_TRUE(contains(doc.text, "The barn was built in 1901 \u2014 by hand.\nIt's still standing \u2764."));
  EXPECT_TRUE(contains(doc.text, "Hay is dried grass <mostly>."));
  EXPECT_TRUE(contains(doc.text, "Timothy\n\nAlfalfa"));  // block elements → paragraph breaks
  EXPECT_TRUE(contains(doc.text, "bales 400"));            // cells → spaces
  EXPECT_TRUE(contains(doc.text, "  keep   this\n    spacing"));  // <pre> keeps whitespace
  EXPECT_TRUE(contains(doc.text, "Unknown &bogus; entity and a lone < sign."));
  for (const char* hidden : {"secret", "color: red", "comment", "enable javascript", "Hayloft &"}) {
    EXPECT_FALSE(contains(doc.text, hidden)) << hidden;
  }
  EXPECT_GT(expect_exact_spans(doc, source), 5);
  // The em dash maps back to its entity in the source.
  size_t dash = doc.text.find("\u2014");
  auto span = std::find_if(doc.source_map.begin(), doc.source_map.end(),
                           [&](const SourceSpan& s) { return s.text_start == static_cast<int64_t>(dash); });
  ASSERT_NE(span, doc.source_map.end());
  EXPECT_EQ(source.substr(span->source_start, span->source_end - span->source_start), "&mdash;");
}

TEST(Pdf, PagesTitleAndText) {
  Document doc = read("report.pdf");
  EXPECT_EQ(doc.type, DocType::kPdf);
  EXPECT_EQ(doc.page_count, 3);
  EXPECT_EQ(doc.title, "Farm Report 2023");
  EXPECT_EQ(doc.metadata.at("author"), "hayloft tests");
  EXPECT_TRUE(contains(doc.text, "Barley yields rose by twelve percent over the year before."));
  ASSERT_EQ(doc.source_map.size(), 3u);
  for (int p = 0; p < 3; ++p) {
    const SourceSpan& s = doc.source_map[p];
    EXPECT_EQ(s.page, p + 1);
    const char* first_line[] = {"Quarterly Report", "Storage", "Outlook"};
    EXPECT_EQ(doc.text.substr(s.text_start, std::strlen(first_line[p])), first_line[p]);
  }
  EXPECT_EQ(doc.text.substr(doc.source_map[1].text_start - 2, 2), "\n\n");  // page break = paragraph break
  // Chunks know their page.
  std::vector<Chunk> chunks = chunk_document(doc, approximate_token_counter(), {12, 0});
  auto outlook = std::find_if(chunks.begin(), chunks.end(), [](const Chunk& c) { return contains(c.text, "Outlook"); });
  ASSERT_NE(outlook, chunks.end());
  EXPECT_EQ(outlook->page, 3);
  EXPECT_EQ(chunks.front().page, 1);
}

TEST(Docx, ParagraphsHeadingsAndCoreProperties) {
  Document doc = read("memo.docx");
  EXPECT_EQ(doc.type, DocType::kDocx);
  EXPECT_EQ(doc.title, "Barn Memo");
  EXPECT_EQ(doc.metadata.at("author"), "Ada Farmer");
  EXPECT_EQ(doc.metadata.at("created"), "2024-05-01T10:00:00Z");
  ASSERT_EQ(doc.headings.size(), 4u);
  EXPECT_EQ(doc.headings[0].title, "Hayloft Memo");  // Title style
  EXPECT_EQ(doc.headings[0].level, 1);
  EXPECT_EQ(doc.headings[1].title, "Structure");
  EXPECT_EQ(doc.headings[2].title, "Roof");  // localised style id, level from styles.xml's name
  EXPECT_EQ(doc.headings[2].level, 2);
  EXPECT_EQ(doc.text.substr(doc.headings[3].text_start, 7), "Animals");
  EXPECT_TRUE(contains(doc.text, "The barn has two floors. The upper floor stores hay."));  // <w:tab/>
  EXPECT_TRUE(contains(doc.text, "cedar shingles & copper flashing."));
  EXPECT_TRUE(contains(doc.text, "This memo describes the barn.\n\nStructure"));
}

TEST(Code, LanguageAndWhitespaceKept) {
  Document cpp = read("hello.cpp");
  EXPECT_EQ(cpp.type, DocType::kCode);
  EXPECT_EQ(cpp.language, "cpp");
  EXPECT_EQ(cpp.title, "hello.cpp");
  EXPECT_EQ(cpp.text, read_file(kData + "hello.cpp"));  // tabs, indentation, blank lines as is

  Document py = read("tool.py");  // CRLF line endings
  EXPECT_EQ(py.language, "python");
  EXPECT_EQ(py.text, "import sys\n\n\ndef main():\n    print(\"hi\")\n\n\nif __name__ == \"__main__\":\n    sys.exit(main())\n");

  EXPECT_EQ(read("lib.rs").language, "rust");
  Document sh = read("deploy");  // no extension: the #! line decides
  EXPECT_EQ(sh.type, DocType::kCode);
  EXPECT_EQ(sh.language, "shell");
}

TEST(Encodings, Utf16WithBomIsConverted) {
  const std::string expected = "Hello UTF-16 world.\nSecond line: caf\u00e9 \U0001F600.";
  Document le = read("utf16le.txt");
  Document be = read("utf16be.txt");
  EXPECT_EQ(le.text, expected);
  EXPECT_EQ(be.text, expected);
  EXPECT_EQ(le.metadata.at("encoding"), "utf-16le");
  EXPECT_EQ(be.metadata.at("encoding"), "utf-16be");
  // "Second" starts at UTF-16 code unit 20, after the 2-byte BOM: source byte 2 + 20 * 2.
  std::vector<Chunk> chunks = chunk_document(le, approximate_token_counter(), {5, 0});
  auto second = std::find_if(chunks.begin(), chunks.end(), [](const Chunk& c) { return c.text.rfind("Second", 0) == 0; });
  ASSERT_NE(second, chunks.end());
  EXPECT_EQ(second->source_start, 42);
}

TEST(Encodings, Windows1252IsDetectedAndMapped) {
  Document doc = read("latin1.txt");
  EXPECT_EQ(doc.metadata.at("encoding"), "windows-1252");
  EXPECT_EQ(doc.text,
            "Caf\u00e9 cr\u00e8me \u00e0 la fran\u00e7aise, na\u00efve \u2014 \u201cquoted\u201d.\nSecond line with \u00fcmlaut.");
  std::string source = read_file(kData + "latin1.txt");
  std::vector<Chunk> chunks = chunk_document(doc, approximate_token_counter(), {6, 0});
  auto second = std::find_if(chunks.begin(), chunks.end(), [](const Chunk& c) { return c.text.rfind("Second", 0) == 0; });
  ASSERT_NE(second, chunks.end());
  EXPECT_EQ(source.substr(second->source_start, 6), "Second");
  EXPECT_EQ(chunks.back().source_end, static_cast<int64_t>(source.size()) - 1);  // before the final \n
}

TEST(Encodings, Utf8BomIsStripped) {
  Document doc = read("utf8bom.txt");
  EXPECT_EQ(doc.text, "BOM text: na\u00efve.");
  ASSERT_FALSE(doc.source_map.empty());
  EXPECT_EQ(doc.source_map.front().source_start, 3);
  EXPECT_EQ(doc.metadata.at("encoding"), "utf-8-bom");
}

TEST(Html, DeclaredCharsetDecidesSingleByteFallback) {
  std::string latin = "<html><head><meta charset=\"iso-8859-1\"></head><body><p>caf\xe9</p></body></html>";
  EXPECT_EQ(read_bytes(latin, "l.html", {}).text, "caf\u00e9");
  std::string cyrillic = "<html><head><meta charset=\"windows-1251\"></head><body><p>\xcf\xf0\xe8</p></body></html>";
  try {
    read_bytes(cyrillic, "c.html", {});
    FAIL() << "windows-1251 page decoded as Windows-1252";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_NE(e.message().find("windows-1251"), std::string::npos);
  }
  // Declared charsets do not matter when the bytes are valid UTF-8.
  std::string utf8 = "<html><head><meta charset=\"windows-1251\"></head><body><p>caf\u00e9</p></body></html>";
  EXPECT_EQ(read_bytes(utf8, "u.html", {}).text, "caf\u00e9");
}

TEST(Sniffing, ContentBeatsExtension) {
  std::string html = "<!DOCTYPE html><html><head><title>T</title></head><body><p>x</p></body></html>";
  EXPECT_EQ(read_bytes(html, "notes.txt", {}).type, DocType::kHtml);
  std::string pdf = read_file(kData + "report.pdf");
  EXPECT_EQ(read_bytes(pdf, "report.bin", {}).type, DocType::kPdf);
  EXPECT_EQ(read_bytes("# T\n\ntext", "a.md", {}).type, DocType::kMarkdown);
  EXPECT_EQ(read_bytes("plain words", "a.unknown", {}).type, DocType::kText);
  EXPECT_EQ(doc_type_name(DocType::kDocx), std::string("docx"));
}

TEST(Concurrency, ParallelReadsMatchSerialReads) {
  // The index reads files on a pool: every reader (poppler, Poco Zip/XML included) must be reentrant.
  const std::vector<std::string> names = {"essay.txt", "guide.md", "page.html", "report.pdf", "memo.docx",
                                          "hello.cpp", "latin1.txt", "utf16le.txt"};
  std::vector<std::string> serial;
  for (const auto& n : names) serial.push_back(read(n).text);
  ThreadPool pool(4);
  std::vector<std::string> parallel(names.size() * 8);
  std::vector<std::string> failures(parallel.size());
  pool.parallel_for(parallel.size(), [&](size_t i) {
    try {
      Document doc = read(names[i % names.size()]);
      chunk_document(doc, approximate_token_counter(), {64, 8});
      parallel[i] = doc.text;
    } catch (const std::exception& e) {
      failures[i] = e.what();
    }
  });
  for (size_t i = 0; i < parallel.size(); ++i) {
    EXPECT_EQ(failures[i], "");
    EXPECT_EQ(parallel[i], serial[i % names.size()]) << names[i % names.size()];
  }
}

}  // namespace
}  // namespace hayloft::ingest
