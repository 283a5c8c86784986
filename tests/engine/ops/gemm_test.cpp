// Prefill GEMM: the AVX-512 kernel and the scalar reference against a double-precision product, for token
// counts around the 12-token strip, row counts around the 32-row panel (partial panels are masked), odd k
// and k over one 256-column pass; output guards; NaN rows.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "engine/ops/gemm.hpp"
#include "engine/ops/quant.hpp"

namespace hayloft::engine::ops {
namespace {

struct Aligned {
  explicit Aligned(size_t n) : v(n + 16) {}
  float* data() { return v.data() + (16 - (reinterpret_cast<uintptr_t>(v.data()) / 4) % 16) % 16; }
  std::vector<float> v;
};

using GemmFn = void (*)(const float*, int64_t, int64_t, int64_t, const float*, int64_t, float*, int64_t, bool);


// |f32 sum of k products - exact| <= k * 2^-24 * sum |products| (standard bound for recursive summation
// with fused multiply-adds); both versions must stay within it. With `strided`, x rows are 5 floats apart
// more than k and the product is added to y's previous contents (1.0), as batched attention uses it.
void check(GemmFn fn, int64_t m, int64_t n, int64_t k, bool strided = false) {
  uint32_t rng = static_cast<uint32_t>(m * 131 + n * 7 + k);
  auto next = [&rng] {
    rng = rng * 1664525u + 1013904223u;
    return static_cast<float>(rng >> 8) / 16777216.0f - 0.5f;
  };
  const int64_t ldx = strided ? k + 5 : k;
  std::vector<float> x(static_cast<size_t>(m * ldx)), w(static_cast<size_t>(n * k));
  for (auto& v : x) v = next();
  for (auto& v : w) v = next();
  Aligned packed(gemm_packed_floats(n, k));
  gemm_pack_w(w.data(), n, k, packed.data());
  const int64_t ldy = n + 3;  // three guard columns per row, and a guard row after the last
  std::vector<float> y(static_cast<size_t>((m + 1) * ldy), 99.0f);
  const float base = strided ? 1.0f : 0.0f;
  for (int64_t t = 0; t < m; ++t) {
    for (int64_t r = 0; r < n; ++r) y[static_cast<size_t>(t * ldy + r)] = strided ? base : -7.0f;
  }
  fn(x.data(), ldx, m, k, packed.data(), n, y.data(), ldy, strided);
  for (int64_t t = 0; t < m; ++t) {
    for (int64_t r = 0; r < n; ++r) {
      double exact = base, mag = base;
      for (int64_t i = 0; i < k; ++i) {
        const double p = double{x[static_cast<size_t>(t * ldx + i)]} * w[static_cast<size_t>(r * k + i)];
        exact += p;
        mag += std::fabs(p);
      }
      const double bound = static_cast<double>(k + 1) * std::ldexp(1.0, -24) * mag + 1e-30;
      ASSERT_LE(std::fabs(y[static_cast<size_t>(t * ldy + r)] - exact), bound) << m << "x" << n << "x" << k;
    }
    for (int64_t r = n; r < ldy; ++r) ASSERT_EQ(y[static_cast<size_t>(t * ldy + r)], 99.0f) << "guard column";
  }
  for (int64_t r = 0; r < ldy; ++r) ASSERT_EQ(y[static_cast<size_t>(m * ldy + r)], 99.0f) << "guard row";
}

TEST(Gemm, MatchesExactProduct) {
  const bool avx512 = detect_isa() == Isa::kAvx512;
  for (int64_t m : {1, 5, 31, 32, 33, 70}) {
    for (int64_t n : {1, 11, 12, 13, 25, 96}) {
      for (int64_t k : {1, 7, 64, 130}) {
        check(gemm_ref, m, n, k);
        if (avx512) check(gemm_avx512, m, n, k);
      }
    }
  }
  // k over the kernel's 256-column pass: sums carried in y between passes.
  check(gemm_ref, 25, 40, 700);
  if (avx512) check(gemm_avx512, 25, 40, 700);
  // Strided activations, accumulation into y.
  check(gemm_ref, 30, 70, 300, true);
  if (avx512) check(gemm_avx512, 30, 70, 300, true);
}

// A NaN activation poisons exactly its token's outputs, in the kernel this CPU runs (the reference where
// there is no AVX-512: prefill then goes through OpenBLAS, but the packed layout is still checked).
TEST(Gemm, NanStaysInItsToken) {
  const auto kernel = detect_isa() == Isa::kAvx512 ? gemm_avx512 : gemm_ref;
  const int64_t m = 40, n = 13, k = 9;
  std::vector<float> x(static_cast<size_t>(m * k), 0.25f), w(static_cast<size_t>(n * k), 1.0f);
  x[static_cast<size_t>(33 * k + 4)] = std::numeric_limits<float>::quiet_NaN();
  Aligned packed(gemm_packed_floats(n, k));
  gemm_pack_w(w.data(), n, k, packed.data());
  std::vector<float> y(static_cast<size_t>(m * n));
  kernel(x.data(), k, m, k, packed.data(), n, y.data(), n, false);
  for (int64_t t = 0; t < m; ++t) {
    for (int64_t r = 0; r < n; ++r) {
      const float v = y[static_cast<size_t>(t * n + r)];
      if (t == 33) {
        EXPECT_TRUE(std::isnan(v));
      } else {
        EXPECT_EQ(v, 0.25f * k);
      }
    }
  }
}

}  // namespace
}  // namespace hayloft::engine::ops
