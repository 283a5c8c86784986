#pragma once
// Cost projections for a route: what the same prompt would cost on hosted models at published per-token
// prices (config.pipeline.prices), and how long prefilling the whole collection takes at a measured speed.
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace hayloft::pipeline {

struct HostedCost {
  std::string model;
  double input_usd = 0;
  double output_usd = 0;
  double total_usd = 0;
};

// One entry per configured price: tokens / 1e6 × price per million. Negative token counts are a caller
// bug: Error{kInvalidArgument}.
std::vector<HostedCost> hosted_costs(int64_t prompt_tokens, int64_t generated_tokens,
                                     const std::vector<config::PriceConfig>& prices);

// Seconds to prefill `collection_tokens` at a speed measured in this run: prefill tokens / prefill
// seconds. Returns -1 when the speed is unknown (no prefill measured).
double prefill_seconds(int64_t collection_tokens, int64_t measured_prefill_tokens, double measured_prefill_s);

struct RouteCost {
  std::vector<HostedCost> hosted;
  double collection_prefill_s = -1;  // whole collection at this run's prefill speed; -1 = unknown
};

// The speed is taken from this run: prompt_tokens prefilled in measured_prefill_s. Pass the tokens
// actually prefilled (prompt minus a reused prefix) as prompt_tokens when a prefix was reused.
RouteCost route_cost(int64_t prompt_tokens, int64_t generated_tokens, int64_t collection_tokens,
                     double measured_prefill_s, const std::vector<config::PriceConfig>& prices);

}  // namespace hayloft::pipeline
