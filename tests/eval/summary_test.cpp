#include "eval/summary.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace hayloft::eval {
namespace {

QuestionResult result(Mode mode, double correct, int64_t prompt, Route route = Route::kRag) {
  QuestionResult r;
  r.mode = mode;
  r.route = route;
  r.score = {correct, correct, correct};
  r.prompt_tokens = prompt;
  r.seconds = prompt / 1000.0;
  r.peak_rss_bytes = prompt * 1000;
  return r;
}

// Four questions per mode: lc 3/4 right at 4000 tokens, rag 2/4 at 1000, auto 3/4 at 1200 (one LC fallback).
std::vector<QuestionResult> results() {
  std::vector<QuestionResult> rs;
  for (double c : {1.0, 1.0, 1.0, 0.0}) rs.push_back(result(Mode::kLc, c, 4000, Route::kLc));
  for (double c : {1.0, 0.0, 1.0, 0.0}) rs.push_back(result(Mode::kRag, c, 1000));
  rs.push_back(result(Mode::kAuto, 1, 900));
  rs.push_back(result(Mode::kAuto, 1, 900));
  rs.push_back(result(Mode::kAuto, 0, 900));
  QuestionResult fb = result(Mode::kAuto, 1, 2100, Route::kLc);
  fb.fallback = true;
  fb.degenerate = true;
  rs.push_back(fb);
  return rs;
}

TEST(Eval, SummarisesPerModeInFixedOrder) {
  auto s = summarize(results());
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].mode, Mode::kLc);
  EXPECT_EQ(s[2].mode, Mode::kAuto);
  EXPECT_DOUBLE_EQ(s[0].accuracy.mean, 0.75);
  EXPECT_NEAR(s[0].accuracy.stderr_, 0.25, 1e-12);  // sd of {1,1,1,0} = 0.5, / sqrt(4)
  EXPECT_DOUBLE_EQ(s[1].mean_prompt_tokens, 1000);
  EXPECT_DOUBLE_EQ(s[2].mean_prompt_tokens, 1200);
  EXPECT_EQ(s[2].routed_lc, 1);
  EXPECT_EQ(s[2].routed_rag, 3);
  EXPECT_EQ(s[2].fallbacks, 1);
  EXPECT_EQ(s[2].degenerate, 1);
  EXPECT_EQ(s[0].peak_rss_bytes, 4000 * 1000);
  EXPECT_TRUE(summarize({}).empty());
}

TEST(Eval, SummarisesPerKindInOrderOfFirstAppearance) {
  std::vector<QuestionResult> rs = results();
  for (size_t i = 0; i < rs.size(); ++i) rs[i].kind = i % 4 == 3 ? "multi" : "single";
  rs.push_back(result(Mode::kLc, 1, 10));  // no kind: only in the overall summary
  auto k = summarize_by_kind(rs);
  ASSERT_EQ(k.size(), 2u);
  EXPECT_EQ(k[0].kind, "single");
  EXPECT_EQ(k[1].kind, "multi");
  ASSERT_EQ(k[1].summaries.size(), 3u);
  EXPECT_EQ(k[1].summaries[0].questions, 1u);
  EXPECT_DOUBLE_EQ(k[1].summaries[0].accuracy.mean, 0.0);  // lc's fourth question was wrong
  EXPECT_DOUBLE_EQ(k[0].summaries[0].accuracy.mean, 1.0);
  EXPECT_TRUE(summarize_by_kind(results()).empty());
}

TEST(Eval, AutoGoalChecksAccuracyAndTokens) {
  auto s = summarize(results());
  AutoGoal g = check_auto_goal(s);
  ASSERT_TRUE(g.evaluated);
  EXPECT_EQ(g.best_mode, Mode::kLc);
  EXPECT_TRUE(g.accuracy_ok);                 // 0.75 >= 0.75 - 0.25
  EXPECT_DOUBLE_EQ(g.token_ratio, 0.3);       // 1200 / 4000
  EXPECT_TRUE(g.tokens_ok);
  EXPECT_EQ(g.verdict.rfind("met", 0), 0u) << g.verdict;
  AutoGoal strict = check_auto_goal(s, 0.25);
  EXPECT_FALSE(strict.tokens_ok);
  EXPECT_NE(strict.verdict.find("not met"), std::string::npos);
  s.pop_back();
  EXPECT_FALSE(check_auto_goal(s).evaluated);
}

TEST(Eval, MarkdownTableHasOneRowPerMode) {
  auto s = summarize(results());
  std::string md = summary_markdown(s, check_auto_goal(s));
  EXPECT_NE(md.find("| lc | 4 | 0.750 ± 0.250 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| auto | 4 |"), std::string::npos) << md;
  EXPECT_NE(md.find("Auto goal met"), std::string::npos) << md;
}

}  // namespace
}  // namespace hayloft::eval
