#include "pipeline/cost.hpp"

#include "util/error.hpp"

namespace hayloft::pipeline {

std::vector<HostedCost> hosted_costs(int64_t prompt_tokens, int64_t generated_tokens,
                                     const std::vector<config::PriceConfig>& prices) {
  if (prompt_tokens < 0 || generated_tokens < 0) {
    throw Error(ErrorKind::kInvalidArgument, "token counts for a cost projection must not be negative");
  }
  std::vector<HostedCost> out;
  out.reserve(prices.size());
  for (const auto& p : prices) {
    HostedCost c;
    c.model = p.model;
    c.input_usd = static_cast<double>(prompt_tokens) * 1e-6 * p.input_usd_per_mtok;
    c.output_usd = static_cast<double>(generated_tokens) * 1e-6 * p.output_usd_per_mtok;
    c.total_usd = c.input_usd + c.output_usd;
    out.push_back(std::move(c));
  }
  return out;
}

double prefill_seconds(int64_t collection_tokens, int64_t measured_prefill_tokens, double measured_prefill_s) {
  if (measured_prefill_tokens <= 0 || measured_prefill_s <= 0) return -1;
  double tokens_per_s = static_cast<double>(measured_prefill_tokens) / measured_prefill_s;
  return static_cast<double>(collection_tokens) / tokens_per_s;
}

RouteCost route_cost(int64_t prompt_tokens, int64_t generated_tokens, int64_t collection_tokens,
                     double measured_prefill_s, const std::vector<config::PriceConfig>& prices) {
  RouteCost r;
  r.hosted = hosted_costs(prompt_tokens, generated_tokens, prices);
  r.collection_prefill_s = prefill_seconds(collection_tokens, prompt_tokens, measured_prefill_s);
  return r;
}

}  // namespace hayloft::pipeline
