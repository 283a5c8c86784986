#include "pipeline/prompt.hpp"

#include <gtest/gtest.h>

#include "util/error.hpp"

namespace hayloft::pipeline {
namespace {

// Whitespace-separated words: a deterministic stand-in tokenizer whose counts are easy to check by hand.
int word_count(std::string_view s) {
  int n = 0;
  bool in = false;
  for (char c : s) {
    bool sp = c == ' ' || c == '\n';
    if (!sp && !in) ++n;
    in = !sp;
  }
  return n;
}

ContextChunk chunk(int64_t id, int64_t doc, int ordinal, std::string text, double score = 0) {
  ContextChunk c;
  c.chunk_id = id;
  c.document_id = doc;
  c.document_title = "Doc " + std::to_string(doc);
  c.document_path = "doc" + std::to_string(doc) + ".txt";
  c.ordinal = ordinal;
  c.text = std::move(text);
  c.score = score;
  return c;
}

std::vector<ContextChunk> collection() {
  // Given out of order on purpose: rendering must restore (document, ordinal) order.
  return {chunk(4, 2, 1, "beta two words"), chunk(1, 1, 0, "alpha zero"), chunk(3, 2, 0, "beta zero"),
          chunk(2, 1, 1, "alpha one")};
}

TEST(Prompt, LcRendersDocumentsInOrderWithMarkers) {
  RenderedContext r = render_lc(collection(), 1000, word_count, Overflow::kRefuse);
  EXPECT_EQ(r.text,
            "## Doc 1 (doc1.txt)\n[C1] alpha zero\n\n[C2] alpha one\n\n"
            "## Doc 2 (doc2.txt)\n[C3] beta zero\n\n[C4] beta two words");
  ASSERT_EQ(r.chunks.size(), 4u);
  EXPECT_EQ(r.chunks[0].chunk_id, 1);
  EXPECT_EQ(r.chunks[3].chunk_id, 4);
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(r.tokens, word_count(r.text));
}

TEST(Prompt, LcRefusesOrTruncatesAndSaysHowMuch) {
  int full = render_lc(collection(), 1000, word_count, Overflow::kRefuse).tokens;  // 24 words
  try {
    render_lc(collection(), full - 1, word_count, Overflow::kRefuse);
    FAIL() << "expected a refusal";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kResourceExhausted);
    EXPECT_NE(std::string(e.what()).find(std::to_string(full)), std::string::npos) << e.what();
  }
  RenderedContext r = render_lc(collection(), full - 1, word_count, Overflow::kTruncate);
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.chunks.size(), 3u);  // the last chunk goes
  EXPECT_LE(r.tokens, full - 1);
  EXPECT_NE(r.note.find("1 of 4 chunks"), std::string::npos) << r.note;
  EXPECT_THROW(render_lc({}, 100, word_count, Overflow::kTruncate), Error);
  EXPECT_THROW(render_lc(collection(), 2, word_count, Overflow::kTruncate), Error);  // not even a chunk
}

TEST(Prompt, RagPacksBestFirstButPlacesInDocumentOrder) {
  // Score order: doc2#1, doc1#0, doc2#0 (again, duplicate), doc1#1.
  std::vector<ContextChunk> hits = {chunk(4, 2, 1, "beta two words", 9), chunk(1, 1, 0, "alpha zero", 7),
                                    chunk(4, 2, 1, "beta two words", 6), chunk(2, 1, 1, "alpha one", 5)};
  RenderedContext all = pack_rag(hits, 1000, word_count);
  ASSERT_EQ(all.chunks.size(), 3u);  // the duplicate counted once
  EXPECT_EQ(all.chunks[0].chunk_id, 1);
  EXPECT_EQ(all.chunks[1].chunk_id, 2);
  EXPECT_EQ(all.chunks[2].chunk_id, 4);
  // 15 words: the two best pieces (7 words) and their two headers (8); "alpha one" would fit the piece
  // estimate but not the rendered whole, so the lowest-scored chosen chunk is dropped.
  RenderedContext two = pack_rag(hits, 15, word_count);
  ASSERT_EQ(two.chunks.size(), 2u) << two.text;
  EXPECT_EQ(two.chunks[0].chunk_id, 1);
  EXPECT_EQ(two.chunks[1].chunk_id, 4);
  EXPECT_LE(two.tokens, 15);
  EXPECT_TRUE(pack_rag({}, 100, word_count).chunks.empty());
}

TEST(Prompt, TemplatesAreCheckedAndFilled) {
  EXPECT_EQ(fill_template("Q: {question}\n{context}{unanswerable}", "CTX", "why?", " Or say so."),
            "Q: why?\nCTX Or say so.");
  EXPECT_THROW(fill_template("{context} {questoin}", "c", "q", ""), Error);
  EXPECT_THROW(fill_template("{context} only", "c", "q", ""), Error);
  EXPECT_THROW(fill_template("{context} {question", "c", "q", ""), Error);
}

TEST(Prompt, MessagesFromConfigAskForUnanswerableOnlyWhenTold) {
  config::PipelineConfig cfg = config::load().pipeline;
  RenderedContext ctx = pack_rag({chunk(1, 1, 0, "alpha zero", 1)}, 100, word_count);
  auto with = build_messages(cfg, Route::kRag, ctx, "What is alpha?", true);
  ASSERT_EQ(with.size(), 2u);
  EXPECT_EQ(with[0].role, "system");
  EXPECT_NE(with[1].content.find("[C1] alpha zero"), std::string::npos);
  EXPECT_NE(with[1].content.find("What is alpha?"), std::string::npos);
  EXPECT_NE(with[1].content.find(cfg.unanswerable_answer), std::string::npos);
  auto without = build_messages(cfg, Route::kLc, ctx, "What is alpha?", false);
  EXPECT_EQ(without[1].content.find(cfg.unanswerable_instruction), std::string::npos);
  EXPECT_EQ(parse_overflow("truncate"), Overflow::kTruncate);
  EXPECT_THROW(parse_overflow("squeeze"), Error);
}

}  // namespace
}  // namespace hayloft::pipeline
