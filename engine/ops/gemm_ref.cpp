// Scalar reference for the prefill GEMM.
#include "engine/ops/gemm.hpp"

namespace hayloft::engine::ops {

namespace {
constexpr int64_t kBlock = 32;  // tokens per block of xt
}  // namespace

void gemm_xt_ref(const float* xt, int64_t m, int64_t k, const float* w, int64_t n, float* y, int64_t ldy) {
  for (int64_t t = 0; t < m; ++t) {
    const float* block = xt + (t / kBlock) * kBlock * k + t % kBlock;
    for (int64_t r = 0; r < n; ++r) {
      double sum = 0;  // double: the reference should not carry f32 rounding of its own
      for (int64_t kk = 0; kk < k; ++kk) sum += static_cast<double>(block[kk * kBlock]) * w[r * k + kk];
      y[t * ldy + r] = static_cast<float>(sum);
    }
  }
}

}  // namespace hayloft::engine::ops
