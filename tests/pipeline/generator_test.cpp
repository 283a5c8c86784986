#include "pipeline/generator.hpp"

#include <type_traits>

#include <gtest/gtest.h>

#include "pipeline/local_generator.hpp"

namespace hayloft::pipeline {
namespace {

TEST(StopMatcher, FindsStopSplitAcrossTokens) {
  StopMatcher m({"<|im_end|>", "\nQuestion:"});
  EXPECT_FALSE(m.feed("The answer is 42."));
  EXPECT_FALSE(m.feed("<|im"));
  // "<|im" could begin a stop string: held back from the stream until decided.
  EXPECT_EQ(m.safe_length(), std::string("The answer is 42.").size());
  EXPECT_TRUE(m.feed("_end|> trailing"));
  EXPECT_EQ(m.text(), "The answer is 42.");
  EXPECT_EQ(m.safe_length(), m.text().size());
  EXPECT_TRUE(m.feed("more"));  // stays stopped
  EXPECT_EQ(m.text(), "The answer is 42.");
}

TEST(StopMatcher, EarliestStopWinsAndFalseStartsPass) {
  StopMatcher m({"STOP", "ST"});
  EXPECT_FALSE(m.feed("S"));
  EXPECT_EQ(m.safe_length(), 0u);
  EXPECT_FALSE(m.feed("ay"));  // "Say": the held 'S' was not a stop after all
  EXPECT_EQ(m.safe_length(), 3u);
  EXPECT_TRUE(m.feed(" nothing STOP"));
  EXPECT_EQ(m.text(), "Say nothing ");
  StopMatcher none({});
  EXPECT_FALSE(none.feed("anything"));
  EXPECT_EQ(none.safe_length(), 8u);
}

// The local backend is only declared until the engine lands; it must still parse and fit the seam.
static_assert(std::is_base_of_v<Generator, LocalGenerator>);
static_assert(!std::is_copy_constructible_v<LocalGenerator>);

TEST(StopReasons, HaveStableNames) {
  EXPECT_STREQ(stop_reason_name(StopReason::kCallback), "callback");
  EXPECT_STREQ(stop_reason_name(StopReason::kMaxTokens), "max_tokens");
}

}  // namespace
}  // namespace hayloft::pipeline
