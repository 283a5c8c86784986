// Hostile input for eval's parsers: question sets, SQuAD, needles, and sentence splitting / NIAH building
// over mutated seeds (tests/hostile_input.hpp). Each call returns or throws hayloft::Error.
#include <gtest/gtest.h>

#include "../hostile_input.hpp"
#include "eval/datasets.hpp"
#include "util/file_map.hpp"

namespace hayloft::eval {
namespace {

using testing::hammer;

const std::string kData = std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/";

TEST(HostileInput, QuestionSetsSquadAndNeedles) {
  int e1 = hammer(read_file(kData + "pg-questions.jsonl").substr(0, 2000),
                  [](const std::string& s) { parse_question_set(s, "fuzz.jsonl"); });
  int e2 = hammer(read_file(kData + "squad-sample.json").substr(0, 3000),
                  [](const std::string& s) { parse_squad(s, "fuzz.json"); });
  int e3 = hammer(read_file(kData + "needles.jsonl"), [](const std::string& s) { parse_needles(s, "fuzz.jsonl"); });
  // Most mutations break the JSON and must be reported as errors, not accepted silently.
  EXPECT_GT(e1, 500);
  EXPECT_GT(e2, 500);
  EXPECT_GT(e3, 500);
}

TEST(HostileInput, SentencesAndNiahBuilding) {
  int word = 0;
  auto count = [&word](std::string_view t) { return static_cast<int>(t.size() / 4) + (++word % 2); };
  Needle n{"The code is 42.", "What is the code?", "42"};
  hammer("One. Two? Three!\n\nFour 2.5 five.", [&](const std::string& s) {
    std::string joined;
    for (auto p : split_sentences(s)) joined += p;
    ASSERT_EQ(joined, s);
    build_niah(s, n, 64, 50, count);
  });
}

}  // namespace
}  // namespace hayloft::eval
