// Hostile input: every parser of user- or model-written text in pipeline/ is fed deterministic mutations
// of real seeds (tests/hostile_input.hpp). Each call must return or throw hayloft::Error — never crash,
// hang or leak another exception type. (The libFuzzer targets in tests/fuzz/ cover ingest and engine;
// pipeline's parsers are exercised here until the fuzz CMake links hl_pipeline.)
#include <random>

#include <gtest/gtest.h>

#include "../hostile_input.hpp"
#include "pipeline/citations.hpp"
#include "pipeline/degeneration.hpp"
#include "pipeline/prompt.hpp"

namespace hayloft::pipeline {
namespace {

using testing::hammer;

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

TEST(HostileInput, TemplatesAndTheGuard) {
  hammer("Passages:\n{context}\n\nQuestion: {question}{unanswerable}",
         [](const std::string& s) { fill_template(s, "ctx", "q", "u"); });
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
