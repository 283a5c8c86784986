#include "pipeline/answer.hpp"

#include <fstream>

#include <gtest/gtest.h>

namespace hayloft::pipeline {
namespace {

TEST(Answer, GuardStopsTheStreamAtTheLoopAndHidesTheRest) {
  // SmolLM2's recorded "Aydin Senkut" list (fixture line 2): the guard must stop it, and the user's
  // callback must see only the tokens before the verdict.
  std::ifstream in(std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/degeneration/smollm2_outputs.jsonl");
  std::string line;
  std::getline(in, line);
  std::getline(in, line);
  auto j = nlohmann::json::parse(line);
  ASSERT_EQ(j["name"], "smollm2-lc-q1");
  DegenerationGuard guard(config::load().pipeline.degeneration);
  std::string shown;
  int delivered = 0, fed = 0;
  TokenCallback cb = guarded_callback(guard, [&](int32_t, std::string_view text) {
    shown += text;
    ++delivered;
    return true;
  });
  for (const auto& t : j["tokens"]) {
    ++fed;
    if (!cb(t[0].get<int32_t>(), t[1].get<std::string>())) break;
  }
  ASSERT_TRUE(guard.verdict().degenerate());
  EXPECT_LT(fed, static_cast<int>(j["tokens"].size()));
  EXPECT_EQ(delivered, fed - 1);
  EXPECT_NE(shown.find("Aydin Senkut"), std::string::npos);
  std::string notice = degeneration_notice(guard.verdict());
  EXPECT_NE(notice.find("repeat"), std::string::npos) << notice;
  EXPECT_NE(notice.find(std::to_string(fed)), std::string::npos) << notice;
  EXPECT_TRUE(degeneration_notice(DegenerationVerdict{}).empty());
}

TEST(Answer, CallerCanStillStopWithoutTheGuardFiring) {
  DegenerationGuard guard(config::load().pipeline.degeneration);
  TokenCallback cb = guarded_callback(guard, [](int32_t id, std::string_view) { return id != 3; });
  EXPECT_TRUE(cb(1, "Hello"));
  EXPECT_FALSE(cb(3, " stop"));
  EXPECT_FALSE(guard.verdict().degenerate());
  TokenCallback bare = guarded_callback(guard, nullptr);
  EXPECT_TRUE(bare(4, " fine"));
}

TEST(Answer, JsonCarriesRouteReasonCitationsMetricsAndCost) {
  Answer a;
  a.question = "Who made the list?";
  a.text = "Bronnie Ware [C1].";
  a.mode = Mode::kAuto;
  a.route = Route::kLc;
  Attempt first;
  first.plan.route = Route::kRag;
  first.plan.reason = "rag first";
  first.text = "unanswerable";
  Attempt second;
  second.plan.route = Route::kLc;
  second.plan.fallback = true;
  second.plan.reason = "the first rag answer said the passages do not hold it; the whole collection fits, so lc";
  second.plan.decisions.push_back({"first-answer", "fall back to lc", "declined"});
  second.metrics.prompt_tokens = 3900;
  second.metrics.generated_tokens = 6;
  second.metrics.stop = StopReason::kEos;
  a.attempts = {first, second};
  Citation cit;
  cit.marker = 1;
  cit.chunk_id = 11;
  cit.document_id = 2;
  cit.document_path = "todo.txt";
  cit.source_end = 300;
  cit.quote = "Bronnie Ware";
  cit.quote_end = 12;
  cit.quote_source_start = 40;
  cit.quote_source_end = 52;
  a.citations.citations.push_back(cit);
  a.cost = route_cost(3900, 6, 3900, 2.0, config::load().pipeline.prices);
  nlohmann::json j = to_json(a);
  EXPECT_EQ(j["route"], "lc");
  EXPECT_EQ(j["mode"], "auto");
  EXPECT_EQ(j["reason"], second.plan.reason);
  EXPECT_EQ(j["attempts"].size(), 2u);
  EXPECT_EQ(j["attempts"][1]["plan"]["decisions"][0]["decision"], "fall back to lc");
  EXPECT_EQ(j["metrics"]["prompt_tokens"], 3900);
  EXPECT_EQ(j["metrics"]["stop"], "eos");
  EXPECT_EQ(j["citations"]["citations"][0]["found_by"], "marker");
  EXPECT_EQ(j["citations"]["citations"][0]["document"], "todo.txt");
  EXPECT_EQ(j["citations"]["citations"][0]["quote_source_end"], 52);
  EXPECT_EQ(j["cost"]["hosted"][0]["model"], "llama-4-scout");
  EXPECT_DOUBLE_EQ(j["cost"]["collection_prefill_s"].get<double>(), 2.0);
  EXPECT_EQ(j["degeneration"]["degenerate"], false);
}

}  // namespace
}  // namespace hayloft::pipeline
