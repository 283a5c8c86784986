#include "pipeline/degeneration.hpp"

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace hayloft::pipeline {
namespace {

config::DegenerationConfig limits() { return config::load().pipeline.degeneration; }

struct Recorded {
  std::string name, label;
  std::vector<std::pair<int32_t, std::string>> tokens;
};

// Real SmolLM2-135M outputs (greedy, long-context PG prompts) and hand-written normal answers tokenized
// by the same model; made by tests/pipeline/tools/make_degeneration_fixture.py.
std::vector<Recorded> load_fixture() {
  std::ifstream in(std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/degeneration/smollm2_outputs.jsonl");
  std::vector<Recorded> out;
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    Recorded r{j["name"], j["label"], {}};
    for (const auto& t : j["tokens"]) r.tokens.push_back({t[0].get<int32_t>(), t[1].get<std::string>()});
    out.push_back(std::move(r));
  }
  return out;
}

DegenerationVerdict run(const std::vector<std::pair<int32_t, std::string>>& tokens) {
  DegenerationGuard guard(limits());
  for (const auto& [id, text] : tokens) {
    if (guard.feed(id, text).degenerate()) break;
  }
  return guard.verdict();
}

TEST(Degeneration, FlagsEveryRecordedLoopAndNoNormalAnswer) {
  std::vector<Recorded> fixture = load_fixture();
  ASSERT_GE(fixture.size(), 10u);
  int loops = 0, oks = 0;
  for (const Recorded& r : fixture) {
    DegenerationVerdict v = run(r.tokens);
    if (r.label == "loop") {
      ++loops;
      EXPECT_TRUE(v.degenerate()) << r.name;
      // Caught well before the 160-token cap: the guard must save most of the wasted decoding.
      EXPECT_LT(v.at_token, 120) << r.name << ": " << v.reason;
    } else {
      ++oks;
      EXPECT_FALSE(v.degenerate()) << r.name << ": " << v.reason;
    }
  }
  EXPECT_GE(loops, 8);
  EXPECT_GE(oks, 4);
}

TEST(Degeneration, NameLoopCaughtWithinAFewRepeats) {
  // "David Collings David Collings ..." as SmolLM2 wrote it, three tokens per repeat.
  std::vector<std::pair<int32_t, std::string>> toks = {{504, "The"}, {1500, " answer"}, {314, " is"}};
  for (int i = 0; i < 30; ++i) {
    toks.push_back({4219, " David"});
    toks.push_back({2961, " Coll"});
    toks.push_back({654, "ings"});
  }
  DegenerationVerdict v = run(toks);
  ASSERT_TRUE(v.degenerate());
  EXPECT_EQ(v.kind, DegenerationKind::kRepeatedNgram);
  EXPECT_LE(v.at_token, 3 + 3 * 5);  // the 4th repeat of a 4-gram, not the 30th
  EXPECT_NE(v.reason.find("David"), std::string::npos) << v.reason;
}

TEST(Degeneration, SingleTokenRunAndBlankRun) {
  std::vector<std::pair<int32_t, std::string>> bang = {{10, "Yes"}};
  for (int i = 0; i < 20; ++i) bang.push_back({0, "!"});
  DegenerationVerdict v = run(bang);
  ASSERT_TRUE(v.degenerate());
  EXPECT_EQ(v.kind, DegenerationKind::kRepeatedToken);
  EXPECT_EQ(v.at_token, 1 + limits().max_same_token);

  std::vector<std::pair<int32_t, std::string>> blank = {{10, "Yes"}};
  for (int i = 0; i < 40; ++i) blank.push_back(i % 2 ? std::pair<int32_t, std::string>{198, "\n"} : std::pair<int32_t, std::string>{216, " "});
  v = run(blank);
  ASSERT_TRUE(v.degenerate());
  EXPECT_EQ(v.kind, DegenerationKind::kNoProgress);
}

TEST(Degeneration, JunkCharacters) {
  // Replacement characters and stray symbols between short words: no n-gram repeats, still junk.
  std::vector<std::pair<int32_t, std::string>> toks;
  for (int i = 0; i < 60; ++i) {
    toks.push_back({1000 + i, i % 3 == 0 ? "\xEF\xBF\xBD" : (i % 3 == 1 ? "@{" : std::string("x").append(std::to_string(i)))});
  }
  DegenerationVerdict v = run(toks);
  ASSERT_TRUE(v.degenerate());
  EXPECT_EQ(v.kind, DegenerationKind::kJunk) << v.reason;
}

TEST(Degeneration, TableRuleIsNotALoop) {
  // A wide Markdown rule: a 2-token period with no letters, repeated 15 times, then a row.
  std::vector<std::pair<int32_t, std::string>> toks;
  for (int i = 0; i < 15; ++i) {
    toks.push_back({114, "|"});
    toks.push_back({4075, "---"});
  }
  toks.push_back({114, "|"});
  toks.push_back({198, "\n"});
  const char* row[] = {"|", " Weird", " |", " 2020", " |", " character", " |", "\n"};
  for (int i = 0; i < 8; ++i) toks.push_back({2000 + i, row[i]});
  EXPECT_FALSE(run(toks).degenerate()) << run(toks).reason;
}

TEST(Degeneration, VerdictSticksUntilReset) {
  DegenerationGuard guard(limits());
  for (int i = 0; i < 20; ++i) guard.feed(7, "la");
  ASSERT_TRUE(guard.verdict().degenerate());
  int64_t at = guard.verdict().at_token;
  guard.feed(8, " fine");
  EXPECT_EQ(guard.verdict().at_token, at);
  guard.reset();
  EXPECT_FALSE(guard.verdict().degenerate());
  EXPECT_FALSE(guard.feed(8, " fine").degenerate());
}

TEST(Degeneration, RejectsNonsenseLimits) {
  config::DegenerationConfig l = limits();
  l.window_tokens = 3;  // cannot hold 4 repeats of a 4-gram
  EXPECT_THROW(DegenerationGuard{l}, Error);
  l = limits();
  l.junk_ratio = 0;
  EXPECT_THROW(DegenerationGuard{l}, Error);
}

}  // namespace
}  // namespace hayloft::pipeline
