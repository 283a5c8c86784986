#include "pipeline/cost.hpp"

#include <gtest/gtest.h>

#include "util/error.hpp"

namespace hayloft::pipeline {
namespace {

TEST(Cost, HostedPricesFromConfig) {
  auto prices = config::load().pipeline.prices;
  ASSERT_EQ(prices.size(), 2u);
  // 4,000 prompt + 100 generated tokens. Scout: 4000 × 0.11e-6 + 100 × 0.34e-6 = 0.000474.
  auto costs = hosted_costs(4000, 100, prices);
  EXPECT_EQ(costs[0].model, "llama-4-scout");
  EXPECT_NEAR(costs[0].input_usd, 0.00044, 1e-12);
  EXPECT_NEAR(costs[0].output_usd, 0.000034, 1e-12);
  EXPECT_NEAR(costs[0].total_usd, 0.000474, 1e-12);
  // Maverick: 4000 × 0.20e-6 + 100 × 0.60e-6 = 0.00086.
  EXPECT_EQ(costs[1].model, "llama-4-maverick");
  EXPECT_NEAR(costs[1].total_usd, 0.00086, 1e-12);
  EXPECT_THROW(hosted_costs(-1, 0, prices), Error);
}

TEST(Cost, CollectionPrefillAtMeasuredSpeed) {
  // Measured 2,000 prompt tokens in 4 s = 500 tok/s; a 91,000-token collection takes 182 s.
  EXPECT_DOUBLE_EQ(prefill_seconds(91000, 2000, 4.0), 182.0);
  EXPECT_EQ(prefill_seconds(91000, 0, 4.0), -1);
  RouteCost r = route_cost(2000, 50, 91000, 4.0, config::load().pipeline.prices);
  EXPECT_DOUBLE_EQ(r.collection_prefill_s, 182.0);
  EXPECT_EQ(r.hosted.size(), 2u);
}

}  // namespace
}  // namespace hayloft::pipeline
