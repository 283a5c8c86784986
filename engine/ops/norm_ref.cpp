#include "engine/ops/norm.hpp"

#include <cmath>

namespace hayloft::engine::ops {

void rmsnorm(const float* x, const float* w, float* y, int64_t n, float eps) {
  // Sum in double: n is a few thousand at most and the mean of squares of residual-stream values can span
  // many orders of magnitude (Gemma's embeddings are scaled by sqrt(n_embd)).
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  const float scale = n > 0 ? static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(n) + eps)) : 0.f;
  if (w) {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale;
  }
}

}  // namespace hayloft::engine::ops
