#pragma once
// RMSNorm (engine-internal op): y = x / sqrt(mean(x^2) + eps) * w. Architectures that store "1 + w"
// (Gemma) already have the +1 folded in by the GGUF conversion, so the weight is used as stored.
#include <cstdint>

namespace hayloft::engine::ops {

// x, y: [n] (may alias); w: [n] or null for an unweighted norm.
void rmsnorm(const float* x, const float* w, float* y, int64_t n, float eps);

}  // namespace hayloft::engine::ops
