// Tokenizer: ids equal llama.cpp's for every fixture string (tests/data/engine/tokenizer_<model>.json,
// made by scripts/reference/make_tokenizer_fixtures.py), pieces equal its token_to_piece bytes, and
// decode(encode(s)) == s; the stream decoder only ever emits valid UTF-8.
#include "engine/tokenizer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/gguf.hpp"
#include "engine/unicode.hpp"
#include "util/error.hpp"
#include "util/timing.hpp"

namespace hayloft::engine {
namespace {

struct ModelCase {
  const char* fixture;
  const char* file;  // under models/, or under tests/data/engine/ when in_data
  bool in_data = false;
};

class TokenizerFixture : public ::testing::TestWithParam<ModelCase> {
 protected:
  void SetUp() override {
    std::string fixture = std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/engine/" + GetParam().fixture;
    std::string model = GetParam().in_data ? std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/engine/" + GetParam().file
                                           : std::string(HAYLOFT_MODELS_DIR) + "/" + GetParam().file;
    if (!std::filesystem::exists(model)) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << model;
    std::ifstream in(fixture);
    ASSERT_TRUE(in) << fixture;
    data_ = nlohmann::json::parse(in);
    gguf_ = std::make_unique<GgufFile>(GgufFile::open(model));
    tok_ = std::make_unique<Tokenizer>(Tokenizer::from_gguf(*gguf_));
  }
  nlohmann::json data_;
  std::unique_ptr<GgufFile> gguf_;
  std::unique_ptr<Tokenizer> tok_;
};

std::string hex(std::string_view s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    out += digits[static_cast<uint8_t>(c) >> 4];
    out += digits[static_cast<uint8_t>(c) & 15];
  }
  return out;
}

bool valid_utf8(std::string_view s) {
  for (size_t pos = 0; pos < s.size();) {
    size_t at = pos;
    uint32_t cp = unicode::decode_one(s, pos);
    if (cp == unicode::kReplacement && pos == at + 1) return false;
  }
  return true;
}

TEST_P(TokenizerFixture, IdsMatchLlamaCpp) {
  EXPECT_EQ(tok_->vocab_size(), data_["n_vocab"].get<int>());
  EXPECT_EQ(tok_->bos(), data_["bos_id"].get<int>());
  EXPECT_EQ(tok_->eos(), data_["eos_id"].get<int>());
  EXPECT_EQ(tok_->add_bos(), data_["vocab_add_bos"].get<bool>());
  int checked = 0;
  for (const auto& c : data_["cases"]) {
    std::string text = c["text"];
    auto ids = tok_->encode(text, c["add_bos"], c["parse_special"]);
    auto want = c["ids"].get<std::vector<int32_t>>();
    EXPECT_EQ(ids, want) << "text: '" << text << "' add_bos=" << c["add_bos"] << " parse_special=" << c["parse_special"];
    for (size_t i = 0; i < want.size() && i < c["pieces_hex"].size(); ++i)
      EXPECT_EQ(hex(tok_->piece(want[i])), c["pieces_hex"][i].get<std::string>()) << "token " << want[i];
    ++checked;
  }
  EXPECT_GT(checked, 10);
}

// 400 seeded random strings per model (scripts/reference/make_tokenizer_random.py).
TEST_P(TokenizerFixture, RandomStringsMatchLlamaCpp) {
  std::string name = GetParam().fixture;
  std::string path = std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/engine/tokenizer_random_" + name.substr(10);
  std::ifstream in(path);
  if (!in) GTEST_FAIL() << "committed fixture missing: " << path;
  auto random = nlohmann::json::parse(in);
  int mismatches = 0;
  for (const auto& c : random["cases"]) {
    std::string text = c["text"];
    auto ids = tok_->encode(text, false, c["parse_special"]);
    if (ids != c["ids"].get<std::vector<int32_t>>() && ++mismatches <= 5)
      ADD_FAILURE() << "text hex " << hex(text) << " parse_special=" << c["parse_special"];
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(random["cases"].size(), 400u);
}

TEST_P(TokenizerFixture, DecodeInvertsEncode) {
  for (const auto& c : data_["cases"]) {
    std::string text = c["text"];
    if (!valid_utf8(text)) continue;
    auto ids = tok_->encode(text, false, true);
    EXPECT_EQ(tok_->decode(ids), text);
  }
}

TEST_P(TokenizerFixture, StreamingEmitsOnlyValidUtf8) {
  for (const auto& c : data_["cases"]) {
    std::string text = c["text"];
    auto ids = tok_->encode(text, false, false);
    StreamDecoder stream(*tok_, true);
    std::string all;
    for (int32_t id : ids) {
      std::string chunk;
      stream.push(id, chunk);
      EXPECT_TRUE(valid_utf8(chunk)) << hex(chunk);
      all += chunk;
    }
    std::string tail;
    stream.flush(tail);
    EXPECT_TRUE(valid_utf8(tail));
    all += tail;
    if (valid_utf8(text)) {
      EXPECT_EQ(all, text);
    }
  }
}

TEST_P(TokenizerFixture, EncodeSpeed) {
  std::string text;
  std::ifstream in(std::string(HAYLOFT_SOURCE_DIR) + "/README.md");
  text.assign(std::istreambuf_iterator<char>(in), {});
  ASSERT_FALSE(text.empty());
  while (text.size() < (1u << 20)) text += text;
  Timer timer;
  auto ids = tok_->encode(text, false, false);
  double s = timer.seconds();
  EXPECT_EQ(tok_->decode(ids), text);
  std::printf("[ encode ] %s: %.1f MB/s (%zu bytes -> %zu tokens)\n", GetParam().file, text.size() / s / 1e6,
              text.size(), ids.size());
}

INSTANTIATE_TEST_SUITE_P(Models, TokenizerFixture,
                         ::testing::Values(ModelCase{"tokenizer_smollm2.json", "SmolLM2-135M-Instruct.Q4_1.gguf"},
                                           ModelCase{"tokenizer_gemma3.json", "gemma-3-270m-q4_k_m.gguf"},
                                           ModelCase{"tokenizer_tiny-qwen2.json", "tiny-qwen2.gguf", true},
                                           ModelCase{"tokenizer_tiny-qwen3.json", "tiny-qwen3.gguf", true}),
                         [](const auto& info) {
                           std::string f = info.param.fixture;  // tokenizer_<name>.json
                           std::string n = f.substr(10, f.size() - 15);
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// ~0.5 MB of real prose (40 Paul Graham essays from shared/data/pg-essays): count, hash and head of the
// ids equal llama.cpp's (tests/data/engine/tokenizer_bigtext.json, scripts/reference/make_tokenizer_bigtext.py).
TEST(Tokenizer, BigTextMatchesLlamaCpp) {
  const char* env = std::getenv("HAYLOFT_SHARED_DIR");
  std::string shared = env ? env : std::string(HAYLOFT_SOURCE_DIR) + "/../shared";
  std::string folder = shared + "/data/pg-essays";
  // CI always has ../shared beside the clone, so there its absence is a failure, elsewhere a skip.
  if (!std::filesystem::exists(folder)) {
    if (std::getenv("CI")) GTEST_FAIL() << "shared data missing in CI: " << folder;
    GTEST_SKIP() << "shared data missing: " << folder;
  }
  std::ifstream in(std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/engine/tokenizer_bigtext.json");
  ASSERT_TRUE(in);
  auto fixture = nlohmann::json::parse(in);
  std::string text;
  for (const auto& name : fixture["files"]) {
    if (!text.empty()) text += fixture["joiner"].get<std::string>();
    std::ifstream f(folder + "/" + name.get<std::string>(), std::ios::binary);
    text.append(std::istreambuf_iterator<char>(f), {});
  }
  ASSERT_EQ(text.size(), fixture["bytes"].get<size_t>());
  for (const auto& [name, want] : fixture["models"].items()) {
    std::string path = std::string(HAYLOFT_MODELS_DIR) + "/" +
                       (name == "smollm2" ? "SmolLM2-135M-Instruct.Q4_1.gguf" : "gemma-3-270m-q4_k_m.gguf");
    if (!std::filesystem::exists(path)) continue;
    GgufFile g = GgufFile::open(path);
    Tokenizer tok = Tokenizer::from_gguf(g);
    auto ids = tok.encode(text, false, false);
    uint64_t h = 0xCBF29CE484222325ull;  // FNV-1a over the int32 little-endian ids
    for (int32_t id : ids)
      for (int k = 0; k < 4; ++k) h = (h ^ ((static_cast<uint32_t>(id) >> (8 * k)) & 0xFF)) * 0x100000001B3ull;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    EXPECT_EQ(ids.size(), want["n_ids"].get<size_t>()) << name;
    EXPECT_EQ(std::string(hex), want["fnv1a64"].get<std::string>()) << name;
    auto head = want["first_ids"].get<std::vector<int32_t>>();
    ASSERT_GE(ids.size(), head.size());
    EXPECT_EQ(std::vector<int32_t>(ids.begin(), ids.begin() + static_cast<long>(head.size())), head) << name;
  }
}

TEST(Tokenizer, StreamDecoderHoldsSplitCharacters) {
  auto path = std::string(HAYLOFT_MODELS_DIR) + "/gemma-3-270m-q4_k_m.gguf";
  if (!std::filesystem::exists(path)) GTEST_FAIL() << "model missing (scripts/setup fetches it)";
  GgufFile g = GgufFile::open(path);
  Tokenizer tok = Tokenizer::from_gguf(g);
  // "é" = C3 A9 as two byte tokens: nothing after the first, the character after the second.
  int32_t c3 = *tok.find("<0xC3>"), a9 = *tok.find("<0xA9>");
  StreamDecoder stream(tok);
  std::string out;
  EXPECT_EQ(stream.push(c3, out), 0u);
  EXPECT_EQ(stream.push(a9, out), 2u);
  EXPECT_EQ(out, "\xC3\xA9");
  // A lone continuation byte is invalid: it becomes U+FFFD at once.
  out.clear();
  stream.push(a9, out);
  EXPECT_EQ(out, "\xEF\xBF\xBD");
  // A dangling lead byte at the end comes out as U+FFFD on flush.
  out.clear();
  stream.push(c3, out);
  EXPECT_EQ(out, "");
  stream.flush(out);
  EXPECT_EQ(out, "\xEF\xBF\xBD");
  EXPECT_TRUE(tok.is_end_of_generation(tok.eos()));
  EXPECT_TRUE(tok.is_end_of_generation(*tok.find("<end_of_turn>")));
  EXPECT_FALSE(tok.is_end_of_generation(tok.bos()));
}

TEST(Tokenizer, RejectsBadMetadata) {
  // A GGUF with no tokenizer keys: a clear NotFound naming the key.
  std::vector<uint8_t> bytes = {'G', 'G', 'U', 'F', 3, 0, 0, 0};
  bytes.resize(24, 0);
  GgufFile g = GgufFile::parse(bytes);
  try {
    Tokenizer::from_gguf(g);
    FAIL() << "built a tokenizer without a vocabulary";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
    EXPECT_NE(std::string(e.what()).find("tokenizer.ggml.model"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hayloft::engine
