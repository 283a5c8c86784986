// Bad input: each gives a hayloft::Error with the right kind, a message a user understands and the path
// as context; none crashes. The zip bomb is generated small on disk in a temp dir, not committed.
#include <gtest/gtest.h>

#include <Poco/DateTime.h>
#include <Poco/Zip/Compress.h>
#include <Poco/Zip/ZipCommon.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <streambuf>

#include "ingest/ingest.hpp"
#include "util/util.hpp"

namespace hayloft::ingest {
namespace {

const std::string kData = std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/ingest/";

// Runs `fn`, expects an Error of `kind` whose message contains `words` and whose context is `context`.
template <typename Fn>
void expect_error(Fn fn, ErrorKind kind, const std::string& words, const std::string& context) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected " << error_kind_name(kind) << " mentioning '" << words << "'";
  } catch (const Error& e) {
    EXPECT_EQ(error_kind_name(e.kind()), std::string(error_kind_name(kind))) << e.what();
    EXPECT_NE(e.message().find(words), std::string::npos) << e.what();
    EXPECT_EQ(e.context(), context);
  }
}

void expect_file_error(const std::string& name, ErrorKind kind, const std::string& words) {
  expect_error([&] { read_document(kData + name, {}); }, kind, words, kData + name);
}

TEST(BadInput, EmptyBinaryInvalidUtf8CorruptPdf) {
  expect_file_error("empty.txt", ErrorKind::kUnsupported, "empty");
  expect_file_error("binary.dat", ErrorKind::kUnsupported, "binary file");
  expect_file_error("invalid_utf8.txt", ErrorKind::kUnsupported, "not valid UTF-8");
  expect_file_error("corrupt.pdf", ErrorKind::kCorrupt, "corrupt");
}

TEST(BadInput, MissingFileAndSizeLimit) {
  expect_file_error("does-not-exist.txt", ErrorKind::kNotFound, "not found");
  ReadOptions small;
  small.max_file_bytes = 1000;
  expect_error([&] { read_document(kData + "essay.txt", small); }, ErrorKind::kResourceExhausted,
               "over the limit of 1000", kData + "essay.txt");
  expect_error([&] { read_bytes(std::string(1001, 'a'), "x.txt", small); }, ErrorKind::kResourceExhausted,
               "over the limit", "x.txt");
}

TEST(BadInput, FolderIsNotAFile) {
  expect_error([&] { read_document(kData, {}); }, ErrorKind::kInvalidArgument, "folder", kData);
}

TEST(BadInput, WrongContentForExtensionAndOtherBinaries) {
  expect_error([] { read_bytes("just some text", "fake.pdf", {}); }, ErrorKind::kCorrupt, "not a PDF", "fake.pdf");
  expect_error([] { read_bytes("just some text", "fake.docx", {}); }, ErrorKind::kCorrupt, "not a DOCX", "fake.docx");
  expect_error([] { read_bytes(std::string("\x89PNG\r\n\x1a\n", 8) + "IHDR", "a.png", {}); },
               ErrorKind::kUnsupported, "PNG image", "a.png");
  expect_error([] { read_bytes(std::string("PK\x03\x04", 4) + std::string(40, 'x'), "a.zip", {}); },
               ErrorKind::kUnsupported, "ZIP archive", "a.zip");
  expect_error([] { read_bytes("   \n\n \t ", "blank.txt", {}); }, ErrorKind::kUnsupported, "no text", "blank.txt");
  std::string controls(200, '\x01');
  expect_error([&] { read_bytes("text " + controls, "c.txt", {}); }, ErrorKind::kUnsupported, "control bytes", "c.txt");
  expect_error([] { read_bytes(std::string("\xFF\xFE\x00\xD8", 4), "s.txt", {}); }, ErrorKind::kUnsupported,
               "unpaired surrogate", "s.txt");
}

TEST(BadInput, CorruptDocx) {
  std::string docx = read_file(kData + "memo.docx");
  std::string truncated = docx.substr(0, docx.size() / 2);
  expect_error([&] { read_bytes(truncated, "t.docx", {}); }, ErrorKind::kCorrupt, "DOCX", "t.docx");
}

// Regression (docx_fuzz under ASan): a ZIP64 end record whose size field asks Poco to allocate ~1.6 PB.
TEST(BadInput, Zip64EndRecordPastTheEndIsCorrupt) {
  expect_file_error("bad-zip64-record.docx", ErrorKind::kCorrupt, "ZIP64 end record");
}

// A stream of `n` zero bytes, without holding them in memory.
class Zeros : public std::streambuf {
 public:
  explicit Zeros(int64_t n) : left_(n) { std::memset(buf_, 0, sizeof buf_); }
  int_type underflow() override {
    if (left_ <= 0) return traits_type::eof();
    auto n = static_cast<std::streamsize>(std::min<int64_t>(left_, sizeof buf_));
    left_ -= n;
    setg(buf_, buf_, buf_ + n);
    return traits_type::to_int_type(buf_[0]);
  }
 private:
  char buf_[1 << 16];
  int64_t left_;
};

// A DOCX whose word/document.xml inflates to `bytes` zeros (deflate: ~1000:1).
std::string make_bomb(int64_t bytes) {
  std::ostringstream out;
  Poco::Zip::Compress zip(out, true);
  std::istringstream types("<Types/>");
  zip.addFile(types, Poco::DateTime(2024, 1, 1), "[Content_Types].xml");
  Zeros zeros(bytes);
  std::istream in(&zeros);
  zip.addFile(in, Poco::DateTime(2024, 1, 1), "word/document.xml", Poco::Zip::ZipCommon::CM_DEFLATE,
              Poco::Zip::ZipCommon::CL_SUPERFAST);
  zip.close();
  return out.str();
}

// Rewrites every declared uncompressed size (local headers, data descriptors, central directory) to 100
// bytes: the lie a real zip bomb tells. Only the inflate-time count can catch it then.
std::string lie_about_sizes(std::string zip) {
  auto patch = [&](const char* sig, size_t field) {
    for (size_t at = zip.find(sig); at != std::string::npos; at = zip.find(sig, at + 4)) {
      if (at + field + 4 > zip.size()) break;
      const unsigned char hundred[4] = {100, 0, 0, 0};
      std::memcpy(&zip[at + field], hundred, 4);
    }
  };
  patch("PK\x03\x04", 22);
  patch("PK\x07\x08", 12);
  patch("PK\x01\x02", 24);
  return zip;
}

TEST(BadInput, ZipBombDocx) {
  // 300 MB of zeros compresses to ~300 KB; written to a temp file and read back like a user's file.
  std::string bomb = make_bomb(300ll << 20);
  ASSERT_LT(bomb.size(), 2u << 20);
  std::string path = testing::TempDir() + "/bomb.docx";
  { std::ofstream(path, std::ios::binary) << bomb; }
  ReadOptions options;
  options.max_uncompressed_bytes = 32 << 20;
  expect_error([&] { read_document(path, options); }, ErrorKind::kResourceExhausted, "zip-bomb guard", path);

  // Headers that lie about the size: caught while inflating, after at most the budget.
  std::string liar = lie_about_sizes(bomb);
  expect_error([&] { read_bytes(liar, "liar.docx", options); }, ErrorKind::kResourceExhausted,
               "while inflating word/document.xml", "liar.docx");
}

TEST(BadInput, ZipWithTooManyEntries) {
  // 20,000 empty entries: tiny on disk, but an object per entry for the zip parser.
  std::ostringstream out;
  Poco::Zip::Compress zip(out, true);
  for (int i = 0; i < 20000; ++i) {
    std::istringstream empty("");
    std::string name = std::to_string(i);
    name += ".xml";
    zip.addFile(empty, Poco::DateTime(2024, 1, 1), name, Poco::Zip::ZipCommon::CM_STORE);
  }
  std::istringstream doc("<w:document/>");
  zip.addFile(doc, Poco::DateTime(2024, 1, 1), "word/document.xml");
  zip.close();
  expect_error([&] { read_bytes(out.str(), "many.docx", {}); }, ErrorKind::kResourceExhausted, "entries", "many.docx");
}

}  // namespace
}  // namespace hayloft::ingest
