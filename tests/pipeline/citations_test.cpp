#include "pipeline/citations.hpp"

#include <gtest/gtest.h>

namespace hayloft::pipeline {
namespace {

std::vector<ContextChunk> context() {
  std::vector<ContextChunk> c(3);
  c[0] = {101, 1, "Unions", "unions.txt", 0, 0, 0, 120,
          "Unions were a lever for workers when employers could replace them easily.", 0, 0};
  c[1] = {102, 1, "Unions", "unions.txt", 1, 0, 120, 260,
          "The share of American workers in unions peaked in the 1950s and has fallen ever since.", 0, 0};
  c[2] = {207, 2, "Founder visa", "foundervisa.txt", 0, 3, 0, 90,
          "A founder visa would let a few thousand startup founders work in the US each year.", 0, 0};
  return c;
}

TEST(Citations, ParsesMarkerForms) {
  auto m = parse_markers("See [C3], also (C1) and [2]; both [C1, C3] and [c 2][C2]. Not (2) nor [x].");
  std::vector<int> ns;
  for (const auto& x : m) ns.push_back(x.n);
  EXPECT_EQ(ns, (std::vector<int>{3, 1, 2, 1, 3, 2, 2}));
  EXPECT_TRUE(parse_markers("In (1990) the [citation needed] list").empty());
}

TEST(Citations, MarkersResolveToChunksWithSupportingQuote) {
  CitationResult r = extract_citations(
      "Union membership peaked in the 1950s and has fallen ever since [C2]. Founders could get visas [C3].",
      context(), {});
  EXPECT_EQ(r.markers_found, 2);
  EXPECT_EQ(r.dropped, 0);
  ASSERT_EQ(r.citations.size(), 2u);
  const Citation& a = r.citations[0];
  EXPECT_EQ(a.chunk_id, 102);
  EXPECT_EQ(a.source, CitationSource::kMarker);
  EXPECT_EQ(a.source_start, 120);
  EXPECT_EQ(a.quote, "peaked in the 1950s and has fallen ever since");
  EXPECT_EQ(context()[1].text.substr(static_cast<size_t>(a.quote_start),
                                     static_cast<size_t>(a.quote_end - a.quote_start)), a.quote);
  // Chunk 2's 86-byte text came from a 140-byte source span (a transformed format): no quote offsets.
  EXPECT_EQ(a.quote_source_start, -1);
  EXPECT_EQ(r.citations[1].chunk_id, 207);
  EXPECT_EQ(r.citations[1].page, 3);
}

TEST(Citations, InvalidMarkersAndFalseQuotesAreDroppedAndCounted) {
  CitationResult r = extract_citations(
      "Unions peaked in the 1950s [C9]. The essay says \"unions will vanish by 2030\" [C2]. Visas [C3][C3].",
      context(), {});
  EXPECT_EQ(r.markers_found, 4);
  EXPECT_EQ(r.dropped, 2);  // C9 is not in the context; the quote is not in chunk 2
  ASSERT_EQ(r.dropped_reasons.size(), 2u);
  EXPECT_NE(r.dropped_reasons[0].find("[C9]"), std::string::npos);
  EXPECT_NE(r.dropped_reasons[1].find("unions will vanish"), std::string::npos);
  ASSERT_EQ(r.citations.size(), 1u);  // [C3] twice is one citation
  EXPECT_EQ(r.citations[0].chunk_id, 207);
}

TEST(Citations, TrueQuoteIsKept) {
  CitationResult r = extract_citations("He writes \"peaked in the   1950s\" [C2].", context(), {});
  ASSERT_EQ(r.citations.size(), 1u);
  EXPECT_EQ(r.citations[0].quote, "peaked in the 1950s");
}

TEST(Citations, NoMarkersFallsBackToMatching) {
  CitationResult r = extract_citations("A founder visa would let a few thousand founders in.", context(), {});
  EXPECT_EQ(r.markers_found, 0);
  ASSERT_EQ(r.citations.size(), 1u);
  EXPECT_EQ(r.citations[0].source, CitationSource::kMatch);
  EXPECT_EQ(r.citations[0].chunk_id, 207);
  EXPECT_EQ(r.citations[0].quote, "A founder visa would let a few thousand");
  // A short answer needs only its own length; one found nowhere cites nothing.
  EXPECT_EQ(extract_citations("the 1950s", context(), {}).citations.at(0).chunk_id, 102);
  EXPECT_TRUE(extract_citations("Paris is the capital of France.", context(), {}).citations.empty());
}

TEST(Citations, QuoteSourceOffsetsWhenTextIsTheSource) {
  std::vector<ContextChunk> ctx = context();
  ctx[0].source_start = 1000;
  ctx[0].source_end = 1000 + static_cast<int64_t>(ctx[0].text.size());  // a plain-text chunk
  CitationResult r = extract_citations("Employers could replace them easily [C1].", ctx, {});
  ASSERT_EQ(r.citations.size(), 1u);
  const Citation& c = r.citations[0];
  EXPECT_EQ(c.quote, "employers could replace them easily");
  EXPECT_EQ(c.quote_source_start, 1000 + c.quote_start);
  EXPECT_EQ(c.quote_source_end - c.quote_source_start, static_cast<int64_t>(c.quote.size()));
}

TEST(Citations, FindQuoteIgnoresCaseAndSpacing) {
  EXPECT_EQ(find_quote("Hello  big\nWorld", "big world"), 7);
  EXPECT_EQ(find_quote("Hello world", "goodbye"), -1);
  EXPECT_EQ(find_quote("Hello world", "  "), -1);
}

}  // namespace
}  // namespace hayloft::pipeline
