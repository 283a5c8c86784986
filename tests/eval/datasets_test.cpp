#include "eval/datasets.hpp"

#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "eval/scoring.hpp"
#include "util/error.hpp"
#include "util/file_map.hpp"

namespace hayloft::eval {
namespace {

const std::string kData = std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/";

// The shared data sets live in ../shared beside the checkout (README); a worktree one level deeper finds
// them further up, and $HAYLOFT_SHARED_DIR wins. Empty when absent: tests needing it then skip.
std::string shared_data() {
  if (const char* env = std::getenv("HAYLOFT_SHARED_DIR"); env && *env) return std::string(env) + "/data";
  std::filesystem::path dir = HAYLOFT_SOURCE_DIR;
  for (int up = 0; up < 3; ++up, dir = dir.parent_path()) {
    if (std::filesystem::is_directory(dir.parent_path() / "shared" / "data")) {
      return (dir.parent_path() / "shared" / "data").string();
    }
  }
  return {};
}
const std::string kShared = shared_data();
const std::string kEssays = kShared + "/pg-essays";
const std::string kSquadDev = kShared + "/squad/dev-v1.1.json";

#define HL_NEED_SHARED()                                                       \
  if (kShared.empty() || !std::filesystem::exists(kEssays)) {                  \
    if (std::getenv("CI")) GTEST_FAIL() << "shared data missing in CI";        \
    GTEST_SKIP() << "shared data (../shared/data) not found; see README.md";  \
  }

int word_count(std::string_view s) {
  int n = 0;
  bool in = false;
  for (char c : s) {
    bool sp = c == ' ' || c == '\n' || c == '\t';
    if (!sp && !in) ++n;
    in = !sp;
  }
  return n;
}

TEST(Datasets, QuestionSetParsesAndRejectsBadLines) {
  auto qs = parse_question_set("{\"id\":\"a\",\"question\":\"Why?\",\"answers\":[\"x\",\"y\"]}\n\n"
                               "{\"id\":\"b\",\"question\":\"Who?\",\"answers\":[\"unanswerable\"],\"kind\":\"u\"}\n",
                               "set.jsonl");
  ASSERT_EQ(qs.size(), 2u);
  EXPECT_EQ(qs[0].answers, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(parse_question_set(to_jsonl(qs), "again").at(1).question, "Who?");
  EXPECT_EQ(qs[0].kind, "");
  EXPECT_EQ(parse_question_set(to_jsonl(qs), "again").at(1).kind, "u");
  auto expect_corrupt = [](const std::string& text, const std::string& where) {
    try {
      parse_question_set(text, "set.jsonl");
      FAIL() << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kCorrupt);
      EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
    }
  };
  expect_corrupt("{\"id\":\"a\",\"question\":\"q\",\"answers\":[\"x\"]}\nnot json\n", "set.jsonl:2");
  expect_corrupt("{\"id\":\"a\",\"answers\":[\"x\"]}\n", "question");
  expect_corrupt("{\"id\":\"a\",\"question\":\"q\",\"answers\":[]}\n", "answers");
  expect_corrupt("{\"id\":\"a\",\"question\":\"q\",\"answers\":[3]}\n", "strings");
  expect_corrupt("{\"id\":\"a\",\"question\":\"q\",\"answers\":[\"x\"],\"kind\":2}\n", "kind");
  expect_corrupt("{\"id\":\"a\",\"question\":\"q\",\"answers\":[\"x\"]}\n{\"id\":\"a\",\"question\":\"r\",\"answers\":[\"x\"]}",
                 "repeated id");
  EXPECT_THROW(load_question_set(kData + "no-such-file.jsonl"), Error);
}

TEST(Datasets, PgQuestionSetIsWellFormedAndGoldAnswersOccurInTheirEssays) {
  HL_NEED_SHARED();
  auto qs = load_question_set(kData + "pg-questions.jsonl");
  ASSERT_GE(qs.size(), 30u);
  // Kinds and essays are extra fields: read them straight from the file.
  std::ifstream in(kData + "pg-questions.jsonl");
  std::map<std::string, int> kinds;
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    std::string kind = j["kind"];
    ++kinds[kind];
    if (kind != "single") continue;
    // A single-passage gold answer must be in its essay (normalised, as scoring sees it).
    std::string essay = read_file(kEssays + "/" + j["essays"][0].get<std::string>() + ".txt");
    std::string norm = squad_normalize(essay);
    bool found = false;
    for (const auto& a : j["answers"]) found = found || norm.find(squad_normalize(a.get<std::string>())) != std::string::npos;
    EXPECT_TRUE(found) << j["id"] << ": no gold answer occurs in " << j["essays"][0];
  }
  EXPECT_GE(kinds["single"], 20);
  EXPECT_GE(kinds["multi"], 5);
  EXPECT_GE(kinds["unanswerable"], 5);
}

TEST(Datasets, SquadSampleBecomesCollectionsAndQuestions) {
  auto arts = load_squad(kData + "squad-sample.json");
  ASSERT_EQ(arts.size(), 2u);
  EXPECT_EQ(arts[0].title, "Super_Bowl_50");
  EXPECT_EQ(arts[0].paragraphs.size(), 2u);
  ASSERT_EQ(arts[0].questions.size(), 6u);
  EXPECT_EQ(arts[0].questions[0].id, "56be4db0acb8001400a502ec");
  EXPECT_EQ(arts[0].questions[0].answers, (std::vector<std::string>{"Denver Broncos"}));  // deduplicated
  EXPECT_EQ(arts[0].questions[2].answers.size(), 3u);
  EXPECT_EQ(arts[0].question_paragraph[5], 1);
  EXPECT_NE(arts[1].paragraphs[0].find("Sk\u0142odowska"), std::string::npos);
  EXPECT_THROW(parse_squad("{\"data\": 3}", "bad.json"), Error);
  EXPECT_THROW(parse_squad("{\"data\": [{\"title\": \"t\", \"paragraphs\": [{\"context\": \"c\", \"qas\": "
                           "[{\"id\": \"q\", \"question\": \"?\", \"answers\": []}]}]}]}", "bad.json"), Error);
}

TEST(Datasets, SquadDevHasItsPublishedSize) {
  if (kShared.empty() || !std::filesystem::exists(kSquadDev)) {
    if (std::getenv("CI")) GTEST_FAIL() << "shared data missing in CI: " << kSquadDev;
    GTEST_SKIP() << "shared data missing: " << kSquadDev;
  }
  auto arts = load_squad(kSquadDev);
  size_t questions = 0;
  for (const auto& a : arts) questions += a.questions.size();
  EXPECT_EQ(arts.size(), 48u);
  EXPECT_EQ(questions, 10570u);
}

TEST(Datasets, NeedlesAreOursAndAbsentFromTheHaystack) {
  HL_NEED_SHARED();
  auto needles = load_needles(kData + "needles.jsonl");
  ASSERT_EQ(needles.size(), 5u);
  std::string hay = load_haystack(kEssays);
  EXPECT_GT(hay.size(), 600000u);
  for (const auto& n : needles) {
    EXPECT_NE(n.needle.find(n.answer), std::string::npos) << n.needle;
    EXPECT_EQ(hay.find(n.answer), std::string::npos) << n.answer << " already in the essays";
  }
  EXPECT_THROW(parse_needles("{\"needle\":\"x\"}", "n.jsonl"), Error);
  EXPECT_THROW(load_haystack(kData + "degeneration/no-such-dir"), Error);
}

TEST(Datasets, SentencesSplitAndJoinBack) {
  std::string t = "One. Two? Three!\n\nFour 2.5 five\n\nSix";
  auto s = split_sentences(t);
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0], "One. ");
  EXPECT_EQ(s[3], "Four 2.5 five\n\n");
  std::string joined;
  for (auto p : s) joined += p;
  EXPECT_EQ(joined, t);
}

TEST(Datasets, NiahPlacesTheNeedleAtTheDepthOnASentenceBoundary) {
  HL_NEED_SHARED();
  std::string hay = load_haystack(kEssays);
  Needle n = load_needles(kData + "needles.jsonl").at(0);
  for (double depth : {0.0, 25.0, 50.0, 75.0, 100.0}) {
    NiahCase c = build_niah(hay, n, 1000, depth, word_count);
    EXPECT_LE(c.tokens, 1000);
    EXPECT_GT(c.tokens, 900);  // sentences fill the length up to the last whole one
    EXPECT_NEAR(c.actual_depth_percent, depth, 5.0) << depth;
    EXPECT_EQ(c.text.compare(c.needle_offset, n.needle.size(), n.needle), 0);
    if (c.needle_offset > 0) {
      char before = c.text[c.needle_offset - 1];
      EXPECT_TRUE(before == ' ' || before == '\n') << "needle not at a sentence start at depth " << depth;
      EXPECT_TRUE(c.text.substr(0, c.needle_offset).find_last_of(".!?\n") != std::string::npos);
    }
    EXPECT_EQ(word_count(c.text), c.tokens);
  }
  EXPECT_EQ(build_niah(hay, n, 1000, 0, word_count).needle_offset, 0u);
  // A filler shorter than the length is cycled.
  NiahCase small = build_niah("Short filler sentence here. ", n, 200, 50, word_count);
  EXPECT_GT(small.tokens, 190);
  EXPECT_THROW(build_niah(hay, n, 1000, 101, word_count), Error);
  EXPECT_THROW(build_niah(hay, n, 5, 50, word_count), Error);
  EXPECT_THROW(build_niah("", n, 1000, 50, word_count), Error);
}

TEST(Datasets, NiahFlagsAndHits) {
  EXPECT_EQ(parse_lengths("1k, 2k,4K,500"), (std::vector<int>{1024, 2048, 4096, 500}));
  EXPECT_EQ(parse_depths("0,25,50,75,100"), (std::vector<double>{0, 25, 50, 75, 100}));
  EXPECT_THROW(parse_lengths("1k,,2k"), Error);
  EXPECT_THROW(parse_lengths("1m"), Error);
  EXPECT_THROW(parse_lengths("0"), Error);
  EXPECT_THROW(parse_lengths(""), Error);
  EXPECT_THROW(parse_depths("50,101"), Error);
  EXPECT_THROW(parse_depths("half"), Error);
  Needle n{"The best thing to do in Oulu on a winter night is to ski across the frozen sea.", "?",
           "ski across the frozen sea"};
  EXPECT_TRUE(niah_hit("You should ski across the frozen sea!", n));
  EXPECT_TRUE(niah_hit("Ski across the Frozen Sea.", n));
  EXPECT_FALSE(niah_hit("Go skiing.", n));
}

}  // namespace
}  // namespace hayloft::eval
