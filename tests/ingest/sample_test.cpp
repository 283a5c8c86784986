// The sample collection in examples/ is what the README's main command ingests: check that it reads,
// fits the token goal, and that every answerable sample question's gold answer is in the kept text.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "ingest/ingest.hpp"
#include "util/util.hpp"

namespace hayloft::ingest {
namespace {

const std::string kExamples = std::string(HAYLOFT_SOURCE_DIR) + "/examples/";

TEST(SampleCollection, ReadsFitsAndAnswersQuestions) {
  std::vector<std::string> files = list_files({kExamples + "sample"}, {{"*.md"}, {}});
  ASSERT_EQ(files.size(), 3u);
  std::string all;
  int tokens = 0;
  TokenCounter count = approximate_token_counter();
  for (const std::string& f : files) {
    Document doc = read_document(f, {});
    EXPECT_EQ(doc.type, DocType::kMarkdown);
    ASSERT_EQ(doc.headings.size(), 1u) << f;
    EXPECT_EQ(doc.title, doc.headings[0].title);
    tokens += count(doc.text);
    all += doc.text + "\n";
  }
  // About 2,500-3,000 tokens (2,912 under SmolLM2's tokenizer; the approximation is within a few %).
  EXPECT_GE(tokens, 2500);
  EXPECT_LE(tokens, 3100);

  std::ifstream in(kExamples + "sample-questions.jsonl");
  std::string line;
  int answerable = 0, unanswerable = 0;
  while (std::getline(in, line)) {
    nlohmann::json q = nlohmann::json::parse(line);
    ASSERT_TRUE(q.contains("id") && q.contains("question") && q["answers"].is_array());
    std::vector<std::string> answers = q["answers"].get<std::vector<std::string>>();
    ASSERT_FALSE(answers.empty());
    if (answers[0] == "unanswerable") {
      ++unanswerable;
      continue;
    }
    ++answerable;
    bool found = false;
    for (const std::string& a : answers) found |= all.find(a) != std::string::npos;
    EXPECT_TRUE(found) << q["question"];
  }
  EXPECT_EQ(answerable, 12);
  EXPECT_EQ(unanswerable, 2);
}

}  // namespace
}  // namespace hayloft::ingest
