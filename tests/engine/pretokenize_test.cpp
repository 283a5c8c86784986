// Pre-tokenizers: each cascade splits text exactly as the regexes llama.cpp uses would
// (tests/data/engine/pretokenizer_splits.json, made with HF tokenizers by
// scripts/reference/make_pretokenizer_fixtures.py) - including gpt2, llama-bpe and default, which no
// fixture model exercises end to end.
#include "engine/pretokenize.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/unicode.hpp"
#include "util/error.hpp"

namespace hayloft::engine {
namespace {

std::vector<std::string> split(PreTokenizer kind, const std::string& text) {
  auto cps = unicode::decode(text);
  std::vector<std::string> out;
  for (auto [b, e] : pre_tokenize(kind, cps)) {
    std::string s;
    for (uint32_t i = b; i < e; ++i) unicode::append_utf8(s, cps[i]);
    out.push_back(s);
  }
  return out;
}

TEST(PreTokenize, MatchesRegexCascades) {
  std::ifstream in(std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/engine/pretokenizer_splits.json");
  ASSERT_TRUE(in);
  auto data = nlohmann::json::parse(in);
  int compared = 0;
  for (const auto& [name, cases] : data["cases"].items()) {
    PreTokenizer kind = pre_tokenizer_from_name(name);
    int mismatches = 0;
    for (const auto& c : cases) {
      auto want = c["pieces"].get<std::vector<std::string>>();
      auto got = split(kind, c["text"]);
      if (got != want && ++mismatches <= 3) {
        std::string g, w;
        for (auto& p : got) g += "[" + p + "]";
        for (auto& p : want) w += "[" + p + "]";
        ADD_FAILURE() << name << ": got " << g << "\nwant " << w;
      }
      ++compared;
    }
    EXPECT_EQ(mismatches, 0) << name;
  }
  EXPECT_GE(compared, 5 * 150);
}

TEST(PreTokenize, KnownSplits) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split(PreTokenizer::kGpt2, "Hello  world's 123"), (V{"Hello", " ", " world", "'s", " 123"}));
  EXPECT_EQ(split(PreTokenizer::kSmollm, "ab 123"), (V{"ab", " ", "1", "2", "3"}));
  EXPECT_EQ(split(PreTokenizer::kLlama3, "I'LL 12345\n\n(x)"), (V{"I", "'LL", " ", "123", "45", "\n\n", "(x", ")"}));
  EXPECT_EQ(split(PreTokenizer::kQwen2, "12"), (V{"1", "2"}));
  EXPECT_TRUE(split(PreTokenizer::kDefault, "").empty());
  EXPECT_THROW(pre_tokenizer_from_name("deepseek-coder"), Error);
}

}  // namespace
}  // namespace hayloft::engine
