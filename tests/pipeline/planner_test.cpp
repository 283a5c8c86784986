#include "pipeline/planner.hpp"

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace hayloft::pipeline {
namespace {

config::PipelineConfig cfg() { return config::load().pipeline; }

// SmolLM2-135M-like numbers: 30 layers × 3 KV heads × 64 dims × 2 (K, V) × 2 bytes (f16) = 23,040 B/token.
PlanInput input(Mode mode, int64_t collection_tokens, std::string question = "Who founded the company?") {
  PlanInput in;
  in.question = std::move(question);
  in.question_tokens = 10;
  in.instruction_tokens = 90;
  in.mode = mode;
  in.collection = {6, 20, collection_tokens};
  in.model = {"smollm2", 8192, 30 * 3 * 64 * 2 * 2, 90ll << 20};
  return in;
}

const PlanDecision* find_step(const Plan& p, const std::string& step) {
  for (const auto& d : p.decisions) {
    if (d.step == step) return &d;
  }
  return nullptr;
}

TEST(Planner, WholeCollectionCues) {
  auto cues = cfg().whole_collection_cues;
  EXPECT_EQ(whole_collection_cue("How many essays mention Lisp?", cues), "how many * essays");
  EXPECT_EQ(whole_collection_cue("How MANY distinct source documents cite it?", cues), "how many * documents");
  EXPECT_EQ(whole_collection_cue("How many hospitals is Noora Health in?", cues), "");  // one fact, one passage
  EXPECT_EQ(whole_collection_cue("List all the founders named.", cues), "list all");
  EXPECT_EQ(whole_collection_cue("Compare the views on unions and NFTs", cues), "compare");
  EXPECT_EQ(whole_collection_cue("Which of the essays talk about taste?", cues), "which of the essays");
  EXPECT_EQ(whole_collection_cue("Is that true in every chapter?", cues), "in every");
  EXPECT_EQ(whole_collection_cue("Who is the comparer?", cues), "");  // word boundaries
  EXPECT_EQ(whole_collection_cue("What is a founder visa?", cues), "");
}

TEST(Planner, WholeCollectionCuesOnOurQuestionSet) {
  // The committed PG set labels each question single / multi / unanswerable: the heuristic must not
  // send single-passage questions to LC (that would break auto's token goal) and should catch most
  // multi-document ones.
  auto cues = cfg().whole_collection_cues;
  std::ifstream in(std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/pg-questions.jsonl");
  int single_flagged = 0, multi_flagged = 0, multi = 0;
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    bool flagged = !whole_collection_cue(j["question"].get<std::string>(), cues).empty();
    if (j["kind"] == "single") single_flagged += flagged;
    if (j["kind"] == "multi") {
      ++multi;
      multi_flagged += flagged;
    }
  }
  EXPECT_EQ(single_flagged, 0);
  EXPECT_GE(multi, 7);
  EXPECT_GE(multi_flagged, 5);
}

TEST(Planner, RetrievalScoresJudgedByTheirSpread) {
  EXPECT_TRUE(check_retrieval_scores({}, 0.1, 0).low);
  ScoreCheck sharp = check_retrieval_scores({12.0, 3.0, 2.0, 1.0}, 0.1, 0);  // lead (12-2)/12 = 0.83
  EXPECT_FALSE(sharp.low) << sharp.why;
  ScoreCheck flat = check_retrieval_scores({5.0, 4.9, 4.8, 4.7}, 0.1, 0);  // lead (5-4.8)/5 = 0.04
  EXPECT_TRUE(flat.low) << flat.why;
  EXPECT_NE(flat.why.find("0.04"), std::string::npos) << flat.why;
  EXPECT_FALSE(check_retrieval_scores({3.0, 1.0}, 0.1, 0).low);  // too few to judge
  EXPECT_TRUE(check_retrieval_scores({3.0, 1.0}, 0.1, 5.0).low);   // under the floor
}

TEST(Planner, LcFitsOrRefusesOrTruncates) {
  Plan p = plan(input(Mode::kLc, 4000), cfg());
  EXPECT_EQ(p.route, Route::kLc);
  EXPECT_TRUE(p.lc_fits);
  EXPECT_FALSE(p.truncate);
  // 4000 + 6 docs × 20 + 20 chunks × 7 = 4260 rendered; 8192 - 10 - 90 - 256 = 7836 free. (Allowances
  // measured with SmolLM2's tokenizer: "[C12] " plus the blank line is 6 tokens, a header 10-18.)
  EXPECT_EQ(p.lc_tokens, 4260);
  EXPECT_EQ(p.context_room, 7836);
  EXPECT_EQ(p.token_budget, 7836);
  // Memory: weights + KV for the prompt as built (4176 + 356) + scratch.
  EXPECT_EQ(p.memory.kv_bytes, int64_t{23040} * (4260 + 356));
  EXPECT_EQ(p.memory.total_bytes, p.memory.weights_bytes + p.memory.kv_bytes + cfg().scratch_bytes);

  EXPECT_THROW(plan(input(Mode::kLc, 20000), cfg()), Error);
  config::PipelineConfig truncating = cfg();
  truncating.lc_overflow = "truncate";
  Plan t = plan(input(Mode::kLc, 20000), truncating);
  EXPECT_TRUE(t.truncate);
  EXPECT_EQ(t.token_budget, 7836);
}

TEST(Planner, RagUsesItsBudget) {
  Plan p = plan(input(Mode::kRag, 20000), cfg());
  EXPECT_EQ(p.route, Route::kRag);
  EXPECT_EQ(p.top_k, cfg().rag_top_k);
  EXPECT_EQ(p.token_budget, cfg().rag_token_budget);
  EXPECT_FALSE(p.ask_unanswerable);
  EXPECT_FALSE(p.may_fall_back);
}

TEST(Planner, AutoStartsWithRagAskingForUnanswerable) {
  Plan p = plan(input(Mode::kAuto, 4000), cfg());
  EXPECT_EQ(p.route, Route::kRag);
  EXPECT_TRUE(p.ask_unanswerable);
  EXPECT_TRUE(p.may_fall_back);
  ASSERT_NE(find_step(p, "whole-collection"), nullptr);
  EXPECT_EQ(find_step(p, "whole-collection")->decision, "no");
}

TEST(Planner, AutoSendsWholeCollectionQuestionsToLcOrWideRag) {
  Plan p = plan(input(Mode::kAuto, 4000, "How many essays mention unions?"), cfg());
  EXPECT_EQ(p.route, Route::kLc);
  EXPECT_FALSE(p.may_fall_back);
  EXPECT_NE(p.reason.find("how many * essays"), std::string::npos) << p.reason;
  Plan big = plan(input(Mode::kAuto, 50000, "How many essays mention unions?"), cfg());
  EXPECT_EQ(big.route, Route::kRag);
  EXPECT_EQ(big.top_k, cfg().rag_wide_top_k);
  EXPECT_EQ(big.token_budget, cfg().rag_wide_token_budget);
}

TEST(Planner, AutoFallsBackOnLowScoresOrUnanswerable) {
  PlanInput in = input(Mode::kAuto, 4000);
  in.retrieval_scores = std::vector<double>{12.0, 3.0, 2.0, 1.0};
  Plan ok = plan(in, cfg());
  EXPECT_EQ(ok.route, Route::kRag);
  EXPECT_EQ(find_step(ok, "retrieval-scores")->decision, "ok");

  in.retrieval_scores = std::vector<double>{5.0, 4.9, 4.8, 4.7};
  Plan low = plan(in, cfg());
  EXPECT_EQ(low.route, Route::kLc);
  EXPECT_TRUE(low.fallback);
  EXPECT_FALSE(low.may_fall_back);
  EXPECT_EQ(find_step(low, "retrieval-scores")->decision, "fall back to lc");

  PlanInput declined = input(Mode::kAuto, 50000);
  declined.rag_answered_unanswerable = true;
  Plan wide = plan(declined, cfg());
  EXPECT_EQ(wide.route, Route::kRag);
  EXPECT_TRUE(wide.fallback);
  EXPECT_EQ(wide.top_k, cfg().rag_wide_top_k);
  EXPECT_EQ(find_step(wide, "first-answer")->decision, "fall back to wide rag");
}

TEST(Planner, MemoryBudgetCapsTheWindow) {
  config::PipelineConfig c = cfg();
  // Room for weights + scratch + 2000 tokens of KV: the window shrinks from 8192 to 2000.
  c.memory_budget_bytes = (90ll << 20) + c.scratch_bytes + 2000 * 23040;
  Plan p = plan(input(Mode::kAuto, 4000, "List all the essays."), c);
  EXPECT_EQ(p.window_tokens, 2000);
  EXPECT_FALSE(p.lc_fits);
  EXPECT_EQ(p.route, Route::kRag);
  ASSERT_NE(find_step(p, "memory"), nullptr);
  c.memory_budget_bytes = 10 << 20;  // less than the weights
  EXPECT_THROW(plan(input(Mode::kRag, 4000), c), Error);
}

TEST(Planner, BadInputsAreClearErrors) {
  PlanInput long_q = input(Mode::kRag, 4000);
  long_q.question_tokens = 9000;
  try {
    plan(long_q, cfg());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kResourceExhausted);
    EXPECT_NE(std::string(e.what()).find("9000"), std::string::npos) << e.what();
  }
  PlanInput empty = input(Mode::kRag, 0);
  empty.collection = {};
  EXPECT_THROW(plan(empty, cfg()), Error);
  EXPECT_THROW(parse_mode("hybrid"), Error);
  EXPECT_EQ(parse_mode("auto"), Mode::kAuto);
}

}  // namespace
}  // namespace hayloft::pipeline
