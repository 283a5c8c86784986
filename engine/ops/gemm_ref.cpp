// Scalar reference for the prefill GEMM.
#include "engine/ops/gemm.hpp"

namespace hayloft::engine::ops {

void gemm_ref(const float* x, int64_t ldx, int64_t m, int64_t k, const float* packed, int64_t n, float* y,
              int64_t ldy, bool accumulate) {
  constexpr int64_t kPanel = 32;
  for (int64_t t = 0; t < m; ++t) {
    for (int64_t r = 0; r < n; ++r) {
      const float* w = packed + (r / kPanel) * kPanel * k + r % kPanel;
      double sum = accumulate ? y[t * ldy + r] : 0.0;  // double: no f32 rounding of its own
      for (int64_t c = 0; c < k; ++c) sum += static_cast<double>(x[t * ldx + c]) * w[c * kPanel];
      y[t * ldy + r] = static_cast<float>(sum);
    }
  }
}

}  // namespace hayloft::engine::ops
