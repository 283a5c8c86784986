// NIAH: the grid behind the heat maps, the summaries and cost table, the stored document read back, and the
// runner with the real SmolLM2 on a tiny grid (one needle, one short length, both routes, 4 tokens).
#include "eval/niah.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "../index/temp_home.hpp"
#include "niah_grid.hpp"
#include "engine/engine.hpp"
#include "index/index.hpp"
#include "pipeline/local_generator.hpp"
#include "util/error.hpp"

namespace hayloft::eval {
namespace {

using testing::cell;
using testing::grid;

using nlohmann::json;

TEST(Niah, SummariesCountHitsMeansAndHostedCost) {
  NiahResult r = grid();
  config::PriceConfig scout{"llama-4-scout", 0.11, 0.34, ""};
  auto s = summarize_niah(r.cells, r.modes, {scout});
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].mode, Mode::kLc);
  EXPECT_EQ(s[0].cells, 10);
  EXPECT_EQ(s[0].hits, 9);
  EXPECT_DOUBLE_EQ(s[0].hit_rate, 0.9);
  // lc prompts: 6 cells at 306 and 4 at 562 -> mean 408.4.
  EXPECT_NEAR(s[0].mean_prompt_tokens, 408.4, 1e-9);
  EXPECT_DOUBLE_EQ(s[0].mean_seconds, 2);
  ASSERT_EQ(s[0].hosted.size(), 1u);
  EXPECT_NEAR(s[0].hosted[0].total_usd, 408e-6 * 0.11 + 4e-6 * 0.34, 1e-12);
  EXPECT_EQ(s[1].hits, 0);
  EXPECT_EQ(s[1].cells, 5);
  // A mode without cells gets zeros, not NaN.
  auto none = summarize_niah({}, {Mode::kLc}, {});
  EXPECT_EQ(none[0].cells, 0);
  EXPECT_EQ(none[0].hit_rate, 0);
}

TEST(Niah, JsonRoundTripIgnoresExtrasAndNamesMissingFields) {
  NiahResult r = grid();
  r.summaries = summarize_niah(r.cells, r.modes, {{"llama-4-scout", 0.11, 0.34, ""}});
  json doc = to_json(r);
  for (const char* key : {"model", "haystack", "needles", "lengths", "depths", "modes", "cells", "summaries"}) {
    EXPECT_TRUE(doc.contains(key)) << key;
  }
  for (const char* key : {"mode", "length", "depth", "needle", "hit", "answer", "prompt_tokens", "seconds", "actual_depth"}) {
    EXPECT_TRUE(doc["cells"][0].contains(key)) << key;
  }
  doc["plots"] = json::array({"a.svg"});     // extras are ignored
  doc["cells"][0]["future_field"] = 3;
  doc["cells"][1].erase("seconds");          // optional: tolerated
  NiahResult back = niah_from_json(doc);
  EXPECT_EQ(back.lengths, r.lengths);
  EXPECT_EQ(back.cells.size(), r.cells.size());
  EXPECT_EQ(back.cells[0].answer, r.cells[0].answer);
  EXPECT_EQ(back.cells[1].seconds, 0);
  ASSERT_EQ(back.summaries.size(), 2u);
  EXPECT_EQ(back.summaries[0].hits, 9);
  EXPECT_NEAR(back.summaries[0].hosted.at(0).total_usd, r.summaries[0].hosted[0].total_usd, 1e-12);

  json broken = doc;
  broken["cells"][2].erase("hit");
  try {
    niah_from_json(broken);
    FAIL() << "a cell without hit was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCorrupt);
    EXPECT_NE(std::string(e.what()).find("hit"), std::string::npos) << e.what();
  }
  json bad_mode = doc;
  bad_mode["cells"][0]["mode"] = "sideways";
  EXPECT_THROW(niah_from_json(bad_mode), Error);
  EXPECT_THROW(niah_from_json(json::array()), Error);
}

TEST(Niah, CostMarkdownHasARowPerModeAndAPriceColumn) {
  NiahResult r = grid();
  auto s = summarize_niah(r.cells, r.modes, {{"llama-4-scout", 0.11, 0.34, ""}, {"llama-4-maverick", 0.2, 0.6, ""}});
  std::string md = niah_cost_markdown(s);
  EXPECT_NE(md.find("llama-4-maverick $/question"), std::string::npos) << md;
  EXPECT_NE(md.find("| lc | 10 | 9 | 0.900 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| rag | 5 | 0 | 0.000 |"), std::string::npos) << md;
}

TEST(Niah, LcTokensNeededGrowsWithLengthAndCountsTheReserve) {
  config::Config c = config::load();
  int small = niah_lc_tokens_needed(1024, 60, 12, c);
  int big = niah_lc_tokens_needed(4096, 60, 12, c);
  EXPECT_GT(small, 1024 + 60 + 12 + c.pipeline.answer_reserve_tokens);
  EXPECT_GT(big - small, 3072);
}

TEST(Niah, CompletionQuestionEndsInTheNeedlesLead) {
  Needle n{"The password to the Hollins Street archive is blue heron.",
           "What is the password to the Hollins Street archive?", "Blue Heron"};
  EXPECT_EQ(completion_question(n),
            "Question: What is the password to the Hollins Street archive?\n"
            "Answer: The password to the Hollins Street archive is");
  n.answer = "green";  // not in the needle: no lead
  EXPECT_EQ(completion_question(n), "Question: What is the password to the Hollins Street archive?\nAnswer:");
}

// ---------------------------------------------------------------------------------------------------
// The runner with the real model.

const std::string kModel = std::string(HAYLOFT_MODELS_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf";

const std::string kFiller =
    "Paris is the capital of France. The river Seine runs through it. Bakers open early in the morning. "
    "Most streets are narrow and old. Tourists visit the museums in summer. The metro is fast and cheap. "
    "Many people ride bicycles to work. Cafes fill the squares at noon. The city has twenty districts. "
    "Winters are grey and mild. Parks close at dusk in winter. Markets sell cheese and bread on Sundays.";

class NiahRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kModel)) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << kModel;
    config_ = config::load();
    config_.engine.context = 1024;
    generator_ = std::make_unique<pipeline::LocalGenerator>(engine::Model::load(kModel), config_.engine);
  }
  config::Config config_;
  std::unique_ptr<pipeline::LocalGenerator> generator_;
  index::testing::TempDir home_;
};

TEST_F(NiahRunTest, RunsEachModeOverARealIndexAndRecordsTheCells) {
  Needle needle{"The secret ingredient in Grandma Ilse's plum cake is a spoonful of cardamom.",
                "What is the secret ingredient in Grandma Ilse's plum cake?", "cardamom"};
  NiahOptions o;
  o.lengths = {160};
  o.depths = {50};
  o.modes = {Mode::kLc, Mode::kRag};
  o.max_tokens = 4;
  size_t calls = 0;
  NiahResult r = run_niah(kFiller, {needle}, o, *generator_, generator_->planner_info(), generator_->model_key(),
                          config_, home_.path(), [&](const NiahCell&, size_t done, size_t total) {
                            ++calls;
                            EXPECT_EQ(done, calls);
                            EXPECT_EQ(total, 2u);
                          });
  ASSERT_EQ(r.cells.size(), 2u);
  EXPECT_EQ(calls, 2u);
  for (const NiahCell& c : r.cells) {
    EXPECT_EQ(c.length, 160);
    EXPECT_GT(c.prompt_tokens, 160) << mode_name(c.mode);  // the haystack plus instructions
    EXPECT_TRUE(c.needle_in_context) << mode_name(c.mode);  // rag: one small chunk set, retrieved
    EXPECT_GT(c.generated_tokens, 0);
    EXPECT_LE(c.generated_tokens, 4);
    EXPECT_GT(c.actual_depth, 20);
    EXPECT_LT(c.actual_depth, 80);
    EXPECT_EQ(c.hit, niah_hit(c.answer, needle));
  }
  ASSERT_EQ(r.summaries.size(), 2u);
  EXPECT_EQ(r.summaries[0].cells, 1);
  // The scratch collections are gone afterwards.
  index::Library lib(home_.path(), config_);
  EXPECT_TRUE(lib.collections().empty());
}

TEST_F(NiahRunTest, ALengthTheWindowCannotHoldIsRefusedBeforeAnyGeneration) {
  Needle needle{"The password to the Hollins Street archive is blue heron.",
                "What is the password to the Hollins Street archive?", "blue heron"};
  NiahOptions o;
  o.lengths = {256, 2048};  // the window is 1024
  o.depths = {0};
  o.modes = {Mode::kLc};
  size_t calls = 0;
  try {
    run_niah(kFiller, {needle}, o, *generator_, generator_->planner_info(), generator_->model_key(), config_,
             home_.path(), [&](const NiahCell&, size_t, size_t) { ++calls; });
    FAIL() << "2k in a 1k window was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kResourceExhausted);
    EXPECT_NE(std::string(e.what()).find("2k"), std::string::npos) << e.what();
  }
  EXPECT_EQ(calls, 0u);
  o.modes = {Mode::kAuto};
  EXPECT_THROW(run_niah(kFiller, {needle}, o, *generator_, generator_->planner_info(), generator_->model_key(),
                        config_, home_.path()),
               Error);
  o.modes = {Mode::kRag};
  EXPECT_THROW(run_niah(kFiller, {}, o, *generator_, generator_->planner_info(), generator_->model_key(), config_,
                        home_.path()),
               Error);
}

// drop_unfit_lengths (the CLI's default lengths): the length that does not fit is left out and named;
// the stop hook ends the grid after the first cell with a partial result and the scratch collections gone.
TEST_F(NiahRunTest, UnfitDefaultLengthsAreDroppedAndStopEndsTheGridEarly) {
  Needle needle{"The password to the Hollins Street archive is blue heron.",
                "What is the password to the Hollins Street archive?", "blue heron"};
  NiahOptions o;
  o.lengths = {128, 2048};  // the window is 1024
  o.depths = {0, 100};
  o.modes = {Mode::kLc, Mode::kRag};
  o.max_tokens = 2;
  o.drop_unfit_lengths = true;
  size_t asked = 0;
  NiahResult r = run_niah(kFiller, {needle}, o, *generator_, generator_->planner_info(), generator_->model_key(),
                          config_, home_.path(), {}, [&] { return ++asked > 1; });
  EXPECT_EQ(r.lengths, std::vector<int>{128});
  EXPECT_EQ(r.dropped_lengths, std::vector<int>{2048});
  EXPECT_TRUE(r.interrupted);
  ASSERT_EQ(r.cells.size(), 1u);
  EXPECT_EQ(r.cells[0].mode, Mode::kLc);
  NiahResult back = niah_from_json(to_json(r));
  EXPECT_TRUE(back.interrupted);
  EXPECT_EQ(back.dropped_lengths, r.dropped_lengths);
  index::Library lib(home_.path(), config_);
  EXPECT_TRUE(lib.collections().empty());

  o.lengths = {2048};  // nothing left to run is still an error
  EXPECT_THROW(run_niah(kFiller, {needle}, o, *generator_, generator_->planner_info(), generator_->model_key(),
                        config_, home_.path()),
               Error);
}

}  // namespace
}  // namespace hayloft::eval
