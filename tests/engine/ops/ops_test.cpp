// Scalar ops of the forward pass against hand-computed values: RMSNorm, RoPE (normal and neox pairing,
// partial rotary, linear scaling), softmax, activations, and attention over a wrapping KV ring.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "engine/ops/activation.hpp"
#include "engine/ops/attention.hpp"
#include "engine/ops/norm.hpp"
#include "engine/ops/rope.hpp"

namespace hayloft::engine::ops {
namespace {

TEST(Ops, RmsNormScalesToUnitRms) {
  std::vector<float> x = {1, -2, 3, -4}, w = {1, 1, 2, 0.5f}, y(4);
  rmsnorm(x.data(), w.data(), y.data(), 4, 0.0f);
  const float rms = std::sqrt((1 + 4 + 9 + 16) / 4.0f);
  EXPECT_NEAR(y[0], 1 / rms, 1e-6);
  EXPECT_NEAR(y[2], 2 * 3 / rms, 1e-6);
  EXPECT_NEAR(y[3], 0.5f * -4 / rms, 1e-6);
  rmsnorm(x.data(), nullptr, x.data(), 4, 0.0f);  // in place, no weight
  EXPECT_NEAR(x[1], -2 / rms, 1e-6);
}

TEST(Ops, RopePairsAndAngles) {
  // head_dim 4, n_rot 4, base 100: frequencies {1, 0.1}; position 2 -> angles {2, 0.2}.
  const RopeTable normal = make_rope_table(4, 100.0f, 1.0f, RopeStyle::kNormal);
  EXPECT_NEAR(normal.theta_scale, 0.1f, 1e-7);
  std::vector<float> x = {1, 0, 1, 0};
  rope(x.data(), 1, 4, 2, normal);  // pairs (0,1) and (2,3)
  EXPECT_NEAR(x[0], std::cos(2.0f), 1e-6);
  EXPECT_NEAR(x[1], std::sin(2.0f), 1e-6);
  EXPECT_NEAR(x[2], std::cos(0.2f), 1e-6);
  EXPECT_NEAR(x[3], std::sin(0.2f), 1e-6);

  const RopeTable neox = make_rope_table(4, 100.0f, 1.0f, RopeStyle::kNeox);
  std::vector<float> y = {1, 1, 0, 0};
  rope(y.data(), 1, 4, 2, neox);  // pairs (0,2) and (1,3)
  EXPECT_NEAR(y[0], std::cos(2.0f), 1e-6);
  EXPECT_NEAR(y[2], std::sin(2.0f), 1e-6);
  EXPECT_NEAR(y[1], std::cos(0.2f), 1e-6);
  EXPECT_NEAR(y[3], std::sin(0.2f), 1e-6);

  // Partial rotary (n_rot 2 of head_dim 4) leaves dims 2, 3 alone; linear scale 0.5 halves angles.
  const RopeTable part = make_rope_table(2, 100.0f, 0.5f, RopeStyle::kNormal);
  std::vector<float> z = {1, 0, 7, 8, 1, 0, 7, 8};  // two heads
  rope(z.data(), 2, 4, 2, part);
  EXPECT_NEAR(z[0], std::cos(1.0f), 1e-6);
  EXPECT_NEAR(z[5], std::sin(1.0f), 1e-6);
  EXPECT_EQ(z[2], 7);
  EXPECT_EQ(z[7], 8);
  // Position 0 is the identity.
  std::vector<float> id = {0.3f, -0.7f, 0.1f, 0.9f};
  auto copy = id;
  rope(id.data(), 1, 4, 0, neox);
  EXPECT_EQ(id, copy);
}

TEST(Ops, SoftmaxIsStableAndNormalised) {
  std::vector<float> x = {1000, 1001, 1002};
  softmax(x.data(), 3);
  EXPECT_NEAR(x[0] + x[1] + x[2], 1.0f, 1e-6);
  EXPECT_NEAR(x[2] / x[1], std::exp(1.0f), 1e-4);
  std::vector<float> one = {-5};
  softmax(one.data(), 1);
  EXPECT_EQ(one[0], 1.0f);
  softmax(nullptr, 0);  // no-op
}

TEST(Ops, Activations) {
  EXPECT_NEAR(silu(1.0f), 1.0f / (1.0f + std::exp(-1.0f)), 1e-7);
  EXPECT_NEAR(gelu_tanh(1.0f), 0.8411920f, 1e-6);  // tanh-approximate GELU(1)
  EXPECT_NEAR(gelu_tanh(-3.0f), -0.0036374f, 1e-6);
  std::vector<float> g = {1, -1}, u = {2, 3}, out(2);
  swiglu(g.data(), u.data(), out.data(), 2);
  EXPECT_NEAR(out[1], silu(-1) * 3, 1e-7);
  geglu(g.data(), u.data(), g.data(), 2);  // aliasing gate; GELU through the f16 table as ggml
  EXPECT_EQ(g[0], gelu_f16(1) * 2);
  EXPECT_EQ(g[1], gelu_f16(-1) * 3);
  // gelu_f16 = f16(gelu_tanh(f16(x))): off by the input rounding (|x| 2^-11 times gelu' <= 1.13) plus
  // the output rounding (|gelu| 2^-11); exact 0 / identity outside (-10, 10), as ggml.
  for (float x = -12.0f; x <= 12.0f; x += 0.01f) {
    const float bound = std::ldexp(1.13f * std::abs(x) + std::abs(gelu_tanh(x)), -11) + 1e-7f;
    EXPECT_NEAR(gelu_f16(x), gelu_tanh(x), bound) << x;
  }
  EXPECT_EQ(gelu_f16(-10.5f), 0.0f);
  EXPECT_EQ(gelu_f16(10.5f), 10.5f);
  EXPECT_EQ(gelu_f16(0.0f), 0.0f);
  std::vector<float> c = {100, -100, 1};
  softcap(c.data(), 3, 30);
  EXPECT_NEAR(c[0], 30 * std::tanh(100.0f / 30), 1e-5);
  EXPECT_LT(c[0], 30.0f);
  softcap(c.data(), 3, 0);  // off
  EXPECT_NEAR(c[2], 30 * std::tanh(1.0f / 30), 1e-6);
}

// Attention over a ring of 3 slots holding positions 3..5 (slot = p % 3) must equal attention over a
// flat f32 cache holding the same positions, and must ignore what lies outside [p_begin, p_end).
TEST(Ops, AttentionOverWrappingRing) {
  const int hd = 2, kv_dim = 2;
  std::vector<float> keys[6], vals[6];
  for (int p = 0; p < 6; ++p) {
    keys[p] = {0.5f * p, 1.0f - 0.3f * p};
    vals[p] = {static_cast<float>(p), static_cast<float>(10 - p)};
  }
  std::vector<float> flat_k(6 * kv_dim), flat_v(6 * kv_dim), ring_k(3 * kv_dim), ring_v(3 * kv_dim);
  for (int p = 0; p < 6; ++p) {
    store_kv(keys[p].data(), flat_k.data() + p * kv_dim, kv_dim, false);
    store_kv(vals[p].data(), flat_v.data() + p * kv_dim, kv_dim, false);
    store_kv(keys[p].data(), ring_k.data() + (p % 3) * kv_dim, kv_dim, false);  // later p overwrite
    store_kv(vals[p].data(), ring_v.data() + (p % 3) * kv_dim, kv_dim, false);
  }
  const float q[2] = {1.0f, 2.0f};
  float scores[6], out_flat[2], out_ring[2];
  KvLayerView flat{flat_k.data(), flat_v.data(), false, 6, kv_dim};
  KvLayerView ring{ring_k.data(), ring_v.data(), false, 3, kv_dim};
  attend(q, flat, 0, hd, 3, 6, 0.5f, 0, scores, out_flat);
  attend(q, ring, 0, hd, 3, 6, 0.5f, 0, scores, out_ring);
  EXPECT_FLOAT_EQ(out_flat[0], out_ring[0]);
  EXPECT_FLOAT_EQ(out_flat[1], out_ring[1]);
  // By hand: weights softmax(0.5 * q.k_p) over p = 3..5.
  double w[3], sum = 0, o0 = 0;
  for (int j = 0; j < 3; ++j) {
    const int p = 3 + j;
    w[j] = std::exp(0.5 * (q[0] * keys[p][0] + q[1] * keys[p][1]));
    sum += w[j];
  }
  for (int j = 0; j < 3; ++j) o0 += w[j] / sum * vals[3 + j][0];
  EXPECT_NEAR(out_flat[0], o0, 1e-5);
  // A single visible position returns its value exactly.
  attend(q, flat, 0, hd, 4, 5, 0.5f, 0, scores, out_flat);
  EXPECT_FLOAT_EQ(out_flat[0], 4.0f);
  EXPECT_FLOAT_EQ(out_flat[1], 6.0f);
}

TEST(Ops, F16CacheRoundTrip) {
  const float src[3] = {1.5f, -0.000123f, 65504.0f};
  uint16_t h[3];
  store_kv(src, h, 3, true);
  EXPECT_EQ(f16_to_f32(h[0]), 1.5f);
  EXPECT_NEAR(f16_to_f32(h[1]), -0.000123f, 1e-7);
  EXPECT_EQ(f16_to_f32(h[2]), 65504.0f);
  EXPECT_TRUE(std::isinf(f16_to_f32(f32_to_f16(1e6f))));
}

}  // namespace
}  // namespace hayloft::engine::ops

namespace hayloft::engine::ops {
namespace {

// AVX2 attention against the scalar reference: head sizes 8..256, f16 and f32 caches, a wrapping ring,
// soft-capping. Both sum the same products in different orders: relative error ~1e-6 per score, so
// outputs (convex combinations of V rows of magnitude <= 1) agree to 1e-5.
TEST(Ops, AttentionAvx2MatchesReference) {
  uint32_t rng = 7;
  auto next = [&rng] {
    rng = rng * 1664525u + 1013904223u;
    return static_cast<float>(rng >> 8) / 16777216.0f - 0.5f;
  };
  for (int hd : {8, 16, 64, 256}) {
    for (bool f16 : {true, false}) {
      const int kv_heads = 2, cap = 13;
      const int64_t kv_dim = int64_t{kv_heads} * hd;
      std::vector<float> src(static_cast<size_t>(cap * kv_dim));
      std::vector<uint8_t> k(static_cast<size_t>(cap * kv_dim * 4)), v(k.size());
      for (auto& x : src) x = next();
      store_kv(src.data(), k.data(), cap * kv_dim, f16);
      for (auto& x : src) x = next();
      store_kv(src.data(), v.data(), cap * kv_dim, f16);
      std::vector<float> q(static_cast<size_t>(hd));
      for (auto& x : q) x = 4 * next();
      KvLayerView view{k.data(), v.data(), f16, cap, kv_dim};
      std::vector<float> s1(20), s2(20), o1(static_cast<size_t>(hd)), o2(static_cast<size_t>(hd));
      for (float softcap : {0.0f, 5.0f}) {
        attend_ref(q.data(), view, 1, hd, 7, 20, 0.3f, softcap, s1.data(), o1.data());  // wraps at 13
        attend_avx2(q.data(), view, 1, hd, 7, 20, 0.3f, softcap, s2.data(), o2.data());
        for (int d = 0; d < hd; ++d) ASSERT_NEAR(o1[static_cast<size_t>(d)], o2[static_cast<size_t>(d)], 1e-5) << hd << f16;
      }
    }
  }
}

}  // namespace
}  // namespace hayloft::engine::ops
