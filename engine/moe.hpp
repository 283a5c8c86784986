#pragma once
// Mixture-of-experts routing (engine-internal): how one token's router logits become the experts it uses
// and their weights, exactly as llama.cpp's build_moe_ffn does it. The FFN step itself (grouping tokens
// by expert, the expert GEMMs, the shared expert) is Session::State::ffn_moe in moe.cpp.
#include <cstdint>

#include "engine/arch.hpp"

namespace hayloft::engine {

struct RouteOptions {
  MoeGating gating = MoeGating::kSoftmax;
  bool norm_topk = false;   // divide the k weights by their sum (clamped below at 2^-14, as llama.cpp)
  float weights_scale = 0;  // multiply the weights when not 0 or 1 (<arch>.expert_weights_scale)
};

// logits [n_expert] -> experts [k] (by descending selection score; equal scores by lower expert id, the
// order of llama.cpp's CPU argsort for these sizes) and weights [k]. Selection score: the softmax
// probability (kSoftmax), the raw logit (kSigmoid: llama4 ranks before the sigmoid). Weight: the chosen
// expert's softmax probability or sigmoid(logit), then normalised and scaled per options. probs:
// scratch [n_expert]. k <= n_expert.
void route_token(const float* logits, int64_t n_expert, int64_t k, const RouteOptions& options, float* probs,
                 int32_t* experts, float* weights);

}  // namespace hayloft::engine
