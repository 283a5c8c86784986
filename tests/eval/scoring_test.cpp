#include "eval/scoring.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "util/error.hpp"

namespace hayloft::eval {
namespace {

TEST(Scoring, NormalizeFollowsSquadScript) {
  // lower, punctuation out, articles out, whitespace collapsed (official evaluate-v1.1.py order).
  EXPECT_EQ(squad_normalize("The Denver Broncos."), "denver broncos");
  EXPECT_EQ(squad_normalize("  A   cat,\tan apple; THE end "), "cat apple end");
  EXPECT_EQ(squad_normalize("theory"), "theory");  // articles only as whole words
  EXPECT_EQ(squad_normalize("1,000"), "1000");
  EXPECT_EQ(squad_normalize("F\u00a0=\u00a0ma"), "f ma");  // no-break spaces split words, as str.split() does
  EXPECT_EQ(squad_normalize("Saint-étienne"), "saintétienne");  // non-ASCII kept (ASCII-only lowercasing)
}

TEST(Scoring, ExactMatchAfterNormalisation) {
  EXPECT_EQ(exact_match("The Denver Broncos.", "Denver Broncos"), 1.0);
  EXPECT_EQ(exact_match("Denver", "Denver Broncos"), 0.0);
}

TEST(Scoring, TokenF1MatchesHandComputedValues) {
  // pred {big, cat} vs gold {cat}: P = 1/2, R = 1 -> F1 = 2/3.
  EXPECT_NEAR(token_f1("the big cat", "a cat"), 2.0 / 3.0, 1e-12);
  // Repeated words count once per gold occurrence: pred {cat, cat} vs gold {cat}: P = 1/2, R = 1.
  EXPECT_NEAR(token_f1("cat cat", "cat"), 2.0 / 3.0, 1e-12);
  EXPECT_EQ(token_f1("dog", "cat"), 0.0);
  EXPECT_EQ(token_f1("", "cat"), 0.0);
  EXPECT_EQ(token_f1("Denver Broncos", "the Denver Broncos!"), 1.0);
}

TEST(Scoring, MaxOverGoldAnswersAsInSquadDev) {
  // Super Bowl 50 question from SQuAD dev: golds differ in wording; the best one counts.
  std::vector<std::string> golds = {"Santa Clara, California", "Levi's Stadium",
                                    "Levi's Stadium in the San Francisco Bay Area at Santa Clara, California."};
  AnswerScore s = score_answer("Levi's Stadium", golds);
  EXPECT_EQ(s.exact_match, 1.0);
  EXPECT_EQ(s.f1, 1.0);
  AnswerScore t = score_answer("It was played at Levi's Stadium.", golds);
  EXPECT_EQ(t.exact_match, 0.0);
  EXPECT_EQ(t.contains, 1.0);
  // "it was played at levis stadium" vs "levis stadium": P = 2/6, R = 1 -> F1 = 1/2.
  EXPECT_NEAR(t.f1, 0.5, 1e-12);
}

TEST(Scoring, ContainmentNeedsWholeWords) {
  EXPECT_EQ(contains_answer("in 1990s", "1990"), 0.0);
  EXPECT_EQ(contains_answer("it was in 1990.", "1990"), 1.0);
  EXPECT_EQ(contains_answer("anything", "the"), 0.0);  // empty after normalisation
}

TEST(Scoring, UnanswerableGold) {
  std::vector<std::string> golds = {"unanswerable"};
  EXPECT_EQ(score_answer("Unanswerable.", golds).exact_match, 1.0);
  EXPECT_EQ(score_answer("The passages do not contain the answer.", golds).contains, 1.0);
  EXPECT_EQ(score_answer("Paris", golds).f1, 0.0);
  // Declining an answerable question earns nothing, even though "unanswerable" shares no words.
  AnswerScore s = score_answer("unanswerable", {"Paris"});
  EXPECT_EQ(s.f1 + s.exact_match + s.contains, 0.0);
  EXPECT_THROW(score_answer("x", {}), Error);
}

// Markers and a leading "The answer is:" are not the answer: SmolLM2 writes "The answer is: [C3] Hamas".
TEST(Scoring, AnswerTextDropsMarkersAndTheLeadIn) {
  EXPECT_EQ(answer_text("The answer is: [C3] Hamas"), "Hamas");
  EXPECT_EQ(answer_text("Denver Broncos [C2]."), "Denver Broncos .");
  EXPECT_EQ(answer_text("The answer to this question is 1912 [C1, C4]"), "1912 ");
  EXPECT_EQ(answer_text("Answer: blue heron"), "blue heron");
  EXPECT_EQ(answer_text("Answers vary [3]"), "Answers vary ");       // no "Answer:" lead-in
  EXPECT_EQ(answer_text("The answer was late."), "The answer was late.");
  EXPECT_EQ(answer_text("In (1990) it rained"), "In (1990) it rained");  // "(1990)" is no marker
  AnswerScore s = score_answer("The answer is: [C3] Hamas", {"Hamas"});
  EXPECT_EQ(s.exact_match, 1.0);
  EXPECT_EQ(s.f1, 1.0);
  EXPECT_EQ(score_answer("[C2] unanswerable", {"unanswerable"}).exact_match, 1.0);
  EXPECT_LT(score_answer("Hamas rules Gaza [C3]", {"Hamas"}).f1, 1.0);  // a sentence is still not EM
}

TEST(Scoring, MeanAndStandardError) {
  MeanStderr m = mean_stderr({1, 0, 1, 0});
  EXPECT_DOUBLE_EQ(m.mean, 0.5);
  // sample sd = sqrt(1/3); stderr = sd / 2
  EXPECT_NEAR(m.stderr_, std::sqrt(1.0 / 3.0) / 2.0, 1e-12);
  EXPECT_EQ(mean_stderr({}).n, 0u);
  EXPECT_EQ(mean_stderr({0.7}).stderr_, 0.0);
}

}  // namespace
}  // namespace hayloft::eval
