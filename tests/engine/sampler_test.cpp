// Sampler: greedy is argmax; a seed fixes the sequence; top-k, top-p and min-p cut exactly the tokens
// they should on hand-made distributions; penalties follow llama.cpp's definition; stop strings and EOS end
// the text without leaking the stop string.
#include "engine/sampler.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "engine/gguf.hpp"
#include "util/error.hpp"

namespace hayloft::engine {
namespace {

// Logits whose softmax is `probs`.
std::vector<float> logits_of(std::vector<double> probs) {
  std::vector<float> l;
  for (double p : probs) l.push_back(static_cast<float>(std::log(p)));
  return l;
}

std::map<int32_t, int> histogram(Sampler& s, const std::vector<float>& logits, int n) {
  std::map<int32_t, int> h;
  for (int i = 0; i < n; ++i) ++h[s.sample(logits)];
  return h;
}

TEST(Sampler, GreedyIsArgmax) {
  std::mt19937_64 rng(7);
  Sampler s(1000, {});
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<float> logits(1000);
    for (auto& x : logits) x = static_cast<float>(Sampler::uniform(rng) * 20 - 10);
    auto want = std::max_element(logits.begin(), logits.end()) - logits.begin();
    EXPECT_EQ(s.sample(logits), want);
  }
  std::vector<float> ties = {1, 3, 3, 0};
  EXPECT_EQ(s.sample(ties), 1);  // first maximum
}

TEST(Sampler, SameSeedSameSequence) {
  auto logits = logits_of({0.2, 0.2, 0.2, 0.2, 0.2});
  SamplerParams p{.temperature = 1.0f, .seed = 1234};
  Sampler a(5, p), b(5, p);
  std::vector<int32_t> sa, sb;
  for (int i = 0; i < 200; ++i) {
    sa.push_back(a.sample(logits));
    sb.push_back(b.sample(logits));
  }
  EXPECT_EQ(sa, sb);
  p.seed = 1235;
  Sampler c(5, p);
  std::vector<int32_t> sc;
  for (int i = 0; i < 200; ++i) sc.push_back(c.sample(logits));
  EXPECT_NE(sa, sc);
  a.reset();  // reseeds: the sequence starts over
  std::vector<int32_t> again;
  for (int i = 0; i < 200; ++i) again.push_back(a.sample(logits));
  EXPECT_EQ(again, sa);
}

TEST(Sampler, UniformIsInUnitIntervalAndPortable) {
  std::mt19937_64 rng(5489);  // the standard fixes mt19937_64's output for this seed
  uint64_t first = std::mt19937_64(5489)();
  EXPECT_EQ(first, 14514284786278117030ull);
  EXPECT_DOUBLE_EQ(Sampler::uniform(rng), static_cast<double>(first >> 11) / 9007199254740992.0);
  for (int i = 0; i < 10000; ++i) {
    double u = Sampler::uniform(rng);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(Sampler, TemperatureOneFollowsTheDistribution) {
  auto probs = std::vector<double>{0.5, 0.3, 0.15, 0.05};
  Sampler s(4, {.temperature = 1.0f, .seed = 9});
  auto h = histogram(s, logits_of(probs), 20000);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(h[i] / 20000.0, probs[static_cast<size_t>(i)], 0.015) << i;
}

TEST(Sampler, TopKKeepsKLargest) {
  auto logits = logits_of({0.05, 0.3, 0.15, 0.5});
  Sampler s1(4, {.temperature = 1.0f, .top_k = 1, .seed = 1});
  EXPECT_EQ(histogram(s1, logits, 200).size(), 1u);
  EXPECT_EQ(s1.sample(logits), 3);
  Sampler s3(4, {.temperature = 5.0f, .top_k = 3, .seed = 1});
  auto h = histogram(s3, logits, 3000);
  EXPECT_EQ(h.count(0), 0u);  // the smallest is cut
  EXPECT_EQ(h.size(), 3u);
}

TEST(Sampler, TopPKeepsSmallestNucleus) {
  auto logits = logits_of({0.5, 0.3, 0.15, 0.05});
  Sampler a(4, {.temperature = 1.0f, .top_p = 0.79f, .seed = 2});
  auto h = histogram(a, logits, 3000);
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.count(2) + h.count(3), 0u);
  Sampler b(4, {.temperature = 1.0f, .top_p = 0.81f, .seed = 2});
  h = histogram(b, logits, 3000);
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(h.count(3), 0u);
  // Renormalised: 0 and 1 in ratio 5:3.
  EXPECT_NEAR(static_cast<double>(h[0]) / h[1], 5.0 / 3.0, 0.25);
}

TEST(Sampler, TopPOnALargeVocabularyNeedsTheFullSort) {
  // 5000 equal tokens: a 0.9 nucleus needs 4500 of them, past the first sorted prefix.
  std::vector<float> logits(5000, 0.0f);
  Sampler s(5000, {.temperature = 1.0f, .top_p = 0.9f, .seed = 3});
  std::set<int32_t> seen;
  for (int i = 0; i < 2000; ++i) seen.insert(s.sample(logits));
  EXPECT_GT(seen.size(), 1200u);  // 2000 draws from 4500 equal tokens see ~1600 distinct
  EXPECT_LE(seen.size(), 4501u);
  for (int32_t id : seen) EXPECT_LT(id, 4501);  // ties break by id: the nucleus is the lowest ids
}

TEST(Sampler, MinPCutsRelativeToTheTop) {
  auto logits = logits_of({0.5, 0.3, 0.15, 0.05});
  Sampler a(4, {.temperature = 1.0f, .min_p = 0.35f, .seed = 4});  // keeps p >= 0.175
  auto h = histogram(a, logits, 3000);
  EXPECT_EQ(h.size(), 2u);
  Sampler b(4, {.temperature = 1.0f, .min_p = 0.2f, .seed = 4});  // keeps p >= 0.1
  h = histogram(b, logits, 3000);
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(h.count(3), 0u);
}

TEST(Sampler, RepetitionPenaltyMatchesLlamaCpp) {
  // Positive logits are divided by the penalty, negative ones multiplied, once per distinct token.
  Sampler a(2, {.repeat_penalty = 1.5f});
  a.accept(0);
  a.accept(0);
  EXPECT_EQ(a.sample(std::vector<float>{2.0f, 1.5f}), 1);  // 2.0 / 1.5 = 1.33 < 1.5
  Sampler b(2, {.repeat_penalty = 1.3f});
  b.accept(0);
  b.accept(0);
  EXPECT_EQ(b.sample(std::vector<float>{2.0f, 1.5f}), 0);  // 1.54 > 1.5 (not divided twice)
  EXPECT_EQ(b.sample(std::vector<float>{-1.0f, -1.2f}), 1);  // -1.0 * 1.3 = -1.3 < -1.2
  Sampler c(2, {.repeat_penalty = 1.1f});
  c.accept(0);
  EXPECT_EQ(c.sample(std::vector<float>{-1.0f, -1.2f}), 0);  // -1.1 > -1.2
  // The window forgets: with repeat_last_n = 2, token 0 falls out after two newer tokens.
  Sampler d(2, {.repeat_penalty = 10.0f, .repeat_last_n = 2});
  d.accept(0);
  EXPECT_EQ(d.sample(std::vector<float>{2.0f, 1.5f}), 1);
  d.accept(1);
  d.accept(1);
  EXPECT_EQ(d.sample(std::vector<float>{2.0f, 1.5f}), 0);
}

TEST(Sampler, FrequencyAndPresencePenalties) {
  Sampler a(2, {.frequency_penalty = 0.2f});
  a.accept(0);
  a.accept(0);
  EXPECT_EQ(a.sample(std::vector<float>{1.0f, 0.5f}), 0);  // 1.0 - 2 * 0.2 = 0.6
  Sampler b(2, {.frequency_penalty = 0.3f});
  b.accept(0);
  b.accept(0);
  EXPECT_EQ(b.sample(std::vector<float>{1.0f, 0.5f}), 1);  // 0.4
  Sampler c(2, {.presence_penalty = 0.6f});
  c.accept(0);
  c.accept(0);
  EXPECT_EQ(c.sample(std::vector<float>{1.0f, 0.5f}), 1);  // 0.4, once however many times
}

TEST(Sampler, RejectsBadParameters) {
  EXPECT_THROW(Sampler(0, {}), Error);
  EXPECT_THROW(Sampler(10, {.temperature = -1.0f}), Error);
  EXPECT_THROW(Sampler(10, {.top_p = 0.0f}), Error);
  EXPECT_THROW(Sampler(10, {.min_p = 1.5f}), Error);
  EXPECT_THROW(Sampler(10, {.repeat_penalty = 0.0f}), Error);
  EXPECT_THROW(Sampler(10, {.repeat_last_n = -1}), Error);
}

class StopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto path = std::string(HAYLOFT_MODELS_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf";
    if (!std::filesystem::exists(path)) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << path;
    gguf_ = std::make_unique<GgufFile>(GgufFile::open(path));
    tok_ = std::make_unique<Tokenizer>(Tokenizer::from_gguf(*gguf_));
  }
  std::unique_ptr<GgufFile> gguf_;
  std::unique_ptr<Tokenizer> tok_;
};

TEST_F(StopTest, StopStringEndsTextAndIsNeverEmitted) {
  StopCondition stop(*tok_, {"\nUser:", "###"});
  std::string out;
  auto ids = tok_->encode("The answer is 42.\nUser: more text", false, false);
  StopReason r = StopReason::kNone;
  for (int32_t id : ids) {
    r = stop.push(id, out);
    EXPECT_EQ(out.find("\nU"), std::string::npos) << "leaked a stop-string prefix: " << out;
    if (r != StopReason::kNone) break;
  }
  EXPECT_EQ(r, StopReason::kStopString);
  EXPECT_EQ(out, "The answer is 42.");
  EXPECT_EQ(stop.push(ids[0], out), StopReason::kStopString);  // stays stopped
  EXPECT_EQ(out, "The answer is 42.");
}

TEST_F(StopTest, HeldPrefixIsReleasedWhenItIsNotAStop) {
  StopCondition stop(*tok_, {"###"});
  std::string out;
  for (int32_t id : tok_->encode("a ## b", false, false)) EXPECT_EQ(stop.push(id, out), StopReason::kNone);
  EXPECT_EQ(out, "a ## b");
  for (int32_t id : tok_->encode(" #", false, false)) stop.push(id, out);
  EXPECT_EQ(out, "a ## b ");  // " #" could start "###": held
  stop.finish(out);
  EXPECT_EQ(out, "a ## b #");
}

TEST_F(StopTest, EndOfGenerationToken) {
  StopCondition stop(*tok_, {});
  std::string out;
  for (int32_t id : tok_->encode("Done", false, false)) stop.push(id, out);
  EXPECT_EQ(stop.push(tok_->eos(), out), StopReason::kEos);
  EXPECT_EQ(out, "Done");
  EXPECT_EQ(stop.reason(), StopReason::kEos);
}

}  // namespace
}  // namespace hayloft::engine
