// Hostile input: every parser of user- or model-written text in pipeline/ is fed deterministic mutations
// of real seeds (bit flips, truncations, splices, random bytes). Each call must return or throw
// hayloft::Error — never crash, hang or leak another exception type. (The libFuzzer targets in
// tests/fuzz/ cover ingest and engine; pipeline's parsers are exercised here until the fuzz CMake links
// hl_pipeline.)
#include <random>

#include <gtest/gtest.h>

#include "pipeline/citations.hpp"
#include "pipeline/datasets.hpp"
#include "pipeline/degeneration.hpp"
#include "pipeline/prompt.hpp"
#include "util/error.hpp"
#include "util/file_map.hpp"

namespace hayloft::pipeline {
namespace {

const std::string kData = std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/";

std::string mutate(const std::string& seed, std::mt19937_64& rng) {
  std::string s = seed;
  std::uniform_int_distribution<int> op(0, 4);
  int rounds = 1 + static_cast<int>(rng() % 4);
  for (int r = 0; r < rounds; ++r) {
    size_t at = s.empty() ? 0 : rng() % s.size();
    switch (op(rng)) {
      case 0: if (!s.empty()) s[at] = static_cast<char>(s[at] ^ (1 << (rng() % 8))); break;
      case 1: s.resize(at); break;
      case 2: if (!s.empty()) s[at] = static_cast<char>(rng() % 256); break;
      case 3: s.insert(at, seed.substr(rng() % (seed.size() + 1), rng() % 64)); break;
      case 4: s.insert(at, std::string(1 + rng() % 8, "[](){}\"\\,:C0123456789\n"[rng() % 23])); break;
    }
  }
  return s;
}

// Runs fn on 1,500 mutations of seed; counts how many threw Error (the rest returned).
template <typename Fn>
int hammer(const std::string& seed, Fn fn) {
  std::mt19937_64 rng(20261123);
  int errors = 0;
  for (int i = 0; i < 1500; ++i) {
    std::string input = mutate(seed, rng);
    try {
      fn(input);
    } catch (const Error&) {
      ++errors;
    }
  }
  return errors;
}

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

TEST(HostileInput, CitationsOfArbitraryAnswers) {
  std::vector<ContextChunk> ctx(2);
  ctx[0].text = "Unions peaked in the 1950s and have shrunk since.";
  ctx[1].text = "A founder visa would let 10,000 founders in each year.";
  std::string seed = "Unions peaked [C1] and \"a founder visa\" [C2, C3] (C1) [2][c 1]. Then 10,000.";
  int errors = hammer(seed, [&](const std::string& s) {
    CitationResult r = extract_citations(s, ctx, {});
    for (const auto& c : r.citations) {
      // Every kept quote is a real span of its chunk.
      const std::string& text = ctx.at(static_cast<size_t>(c.marker) - 1).text;
      ASSERT_LE(c.quote_end, static_cast<int64_t>(text.size()));
      ASSERT_EQ(text.substr(static_cast<size_t>(c.quote_start), static_cast<size_t>(c.quote_end - c.quote_start)), c.quote);
    }
  });
  EXPECT_EQ(errors, 0);  // extracting citations never fails, it drops and counts
}

TEST(HostileInput, TemplatesSentencesAndTheGuard) {
  hammer("Passages:\n{context}\n\nQuestion: {question}{unanswerable}",
         [](const std::string& s) { fill_template(s, "ctx", "q", "u"); });
  int word = 0;
  auto count = [&word](std::string_view t) { return static_cast<int>(t.size() / 4) + (++word % 2); };
  Needle n{"The code is 42.", "What is the code?", "42"};
  hammer("One. Two? Three!\n\nFour 2.5 five.", [&](const std::string& s) {
    std::string joined;
    for (auto p : split_sentences(s)) joined += p;
    ASSERT_EQ(joined, s);
    build_niah(s, n, 64, 50, count);
  });
  DegenerationGuard guard(config::load().pipeline.degeneration);
  std::mt19937_64 rng(7);
  int fired = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string piece(rng() % 4, '\0');
    for (char& c : piece) c = static_cast<char>(rng() % 256);
    const DegenerationVerdict& v = guard.feed(static_cast<int32_t>(rng() % 50000), piece);
    if (v.degenerate()) {
      ++fired;
      ASSERT_FALSE(v.reason.empty());
      guard.reset();
    }
  }
  // Random bytes are junk: the guard must keep firing on them (and survive resets).
  EXPECT_GT(fired, 10) << fired;
}

}  // namespace
}  // namespace hayloft::pipeline
