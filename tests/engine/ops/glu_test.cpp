// Vectorized SwiGLU / GeGLU against the scalar references in activation.hpp: lengths 0..2 vectors plus
// tails, misaligned pointers, in-place use, inputs over [-20, 20] plus +-100 and NaN.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "engine/ops/activation.hpp"
#include "engine/ops/glu.hpp"

namespace hayloft::engine::ops {
namespace {

using GluFn = void (*)(const float*, const float*, float*, int64_t);

// SwiGLU: exp8 is within ~2e-7 relative of expf and the division adds one rounding, so outputs agree to
// ~1e-6 relative, taken against the magnitude of gate * up. GeGLU: both read ggml's f16 GELU table, so
// they agree exactly (the same bound is used).
void check(GluFn fast, GluFn ref) {
  uint32_t rng = 5;
  auto next = [&rng] {
    rng = rng * 1664525u + 1013904223u;
    return static_cast<float>(rng >> 8) / 16777216.0f - 0.5f;
  };
  for (int64_t n = 0; n <= 19; ++n) {
    for (int64_t off : {0, 1, 3}) {
      std::vector<float> g(static_cast<size_t>(n + off + 1)), u(g.size()), a(g.size(), 42.0f), b(g.size(), 42.0f);
      for (auto& v : g) v = 40 * next();
      for (auto& v : u) v = 4 * next();
      if (n > 2) g[static_cast<size_t>(off + 1)] = 100.0f, g[static_cast<size_t>(off + 2)] = -100.0f;
      ref(g.data() + off, u.data() + off, a.data() + off, n);
      fast(g.data() + off, u.data() + off, b.data() + off, n);
      for (int64_t i = 0; i < n; ++i) {
        const size_t j = static_cast<size_t>(off + i);
        ASSERT_NEAR(a[j], b[j], 1e-6 * (1 + std::fabs(g[j] * u[j]))) << "n " << n << " i " << i << " x " << g[j];
      }
      EXPECT_EQ(b[static_cast<size_t>(off + n)], 42.0f) << "wrote past n";
      fast(g.data() + off, u.data() + off, g.data() + off, n);  // in place over gate
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(g[static_cast<size_t>(off + i)], b[static_cast<size_t>(off + i)]);
    }
  }
  std::vector<float> g(16, 1.0f), u(16, 1.0f), out(16);
  g[5] = std::numeric_limits<float>::quiet_NaN();
  fast(g.data(), u.data(), out.data(), 16);
  EXPECT_TRUE(std::isnan(out[5]));
  EXPECT_FALSE(std::isnan(out[4]));
}

TEST(Glu, SwiGluMatchesReference) { check(swiglu_avx2, swiglu); }
TEST(Glu, GeGluMatchesReference) { check(geglu_avx2, geglu); }

}  // namespace
}  // namespace hayloft::engine::ops
