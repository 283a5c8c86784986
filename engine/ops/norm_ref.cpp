#include "engine/ops/norm.hpp"

#include <cmath>

namespace hayloft::engine::ops {

void rmsnorm(const float* x, const float* w, float* y, int64_t n, float eps) {
  // Rounded exactly as ggml's rms_norm (f32 squares summed in double, the mean and 1/sqrt in f32): the
  // output feeds Q8 activation quantization, where a one-ulp difference in `scale` can flip a rounding
  // and move the logits by tenths downstream (scripts/reference/compare_numerics.py measures this).
  // Same accuracy as an all-double sum: the f32 squares lose 2^-24 relatively, far below the f32 output.
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float mean = n > 0 ? static_cast<float>(sum / static_cast<double>(n)) : 0.f;
  const float scale = n > 0 ? 1.0f / std::sqrt(mean + eps) : 0.f;
  if (w) {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale;
  }
}

}  // namespace hayloft::engine::ops
