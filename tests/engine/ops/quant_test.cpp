// Scalar reference of the quant kernels: layouts against hand-made blocks, half conversions, and
// "reference dot == dequantize(row) . dequantize(act)" within a rounding bound.
#include <immintrin.h>

#include <gtest/gtest.h>

#include "tests/engine/ops/quant_test_util.hpp"

namespace hayloft::engine::ops {
namespace {

using testing::kAllTypes;
using testing::kEps;

std::vector<float> dequant_ref(TensorType type, const void* src, int64_t n) {
  std::vector<float> y(static_cast<size_t>(n));
  kernels(type, Isa::kScalar).dequantize(src, y.data(), n);
  return y;
}

TEST(QuantTypes, TableMatchesGgml) {
  struct Expect { TensorType t; int elems, bytes; };
  const Expect expect[] = {{TensorType::kF32, 1, 4},    {TensorType::kF16, 1, 2},     {TensorType::kBF16, 1, 2},
                           {TensorType::kQ4_0, 32, 18}, {TensorType::kQ4_1, 32, 20},  {TensorType::kQ5_0, 32, 22},
                           {TensorType::kQ5_1, 32, 24}, {TensorType::kQ8_0, 32, 34},  {TensorType::kQ8_1, 32, 36},
                           {TensorType::kQ4_K, 256, 144}, {TensorType::kQ5_K, 256, 176},
                           {TensorType::kQ6_K, 256, 210}, {TensorType::kQ8_K, 256, 292}};
  for (const auto& e : expect) {
    const TypeInfo* info = type_info(uint32_t(e.t));
    ASSERT_NE(info, nullptr) << uint32_t(e.t);
    EXPECT_EQ(info->block_elems, e.elems) << info->name;
    EXPECT_EQ(info->block_bytes, e.bytes) << info->name;
  }
  EXPECT_EQ(type_info(uint32_t(10)), nullptr);  // Q2_K: not supported
  EXPECT_EQ(type_info(uint32_t(999)), nullptr);
  EXPECT_EQ(row_bytes(TensorType::kQ4_K, 512), 288u);
  EXPECT_EQ(act_bytes(TensorType::kQ4_1, 64), 72u);   // two Q8_1 blocks
  EXPECT_EQ(act_bytes(TensorType::kQ6_K, 256), 292u);  // one Q8_K block
  EXPECT_EQ(act_bytes(TensorType::kF16, 10), 40u);     // f32 activations
}

TEST(QuantHalf, RoundTripsEveryHalf) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = fp16_to_fp32(uint16_t(h));
    const bool nan = ((h >> 10) & 0x1f) == 0x1f && (h & 0x3ff) != 0;
    if (nan) {
      EXPECT_TRUE(std::isnan(f)) << h;
      EXPECT_TRUE(std::isnan(fp16_to_fp32(fp32_to_fp16(f)))) << h;
      continue;
    }
    ASSERT_EQ(fp32_to_fp16(f), h) << std::hex << h;
    ASSERT_EQ(f, _cvtsh_ss(uint16_t(h))) << std::hex << h;  // F16C as the independent decoder
  }
}

TEST(QuantHalf, RoundsLikeF16c) {
  std::mt19937 rng(7);
  for (int i = 0; i < 200000; ++i) {
    uint32_t bits = rng();
    if (i % 2) bits = (bits & 0x807fffffu) | (uint32_t(100 + rng() % 50) << 23);  // mostly half range
    float f;
    std::memcpy(&f, &bits, 4);
    if (std::isnan(f)) continue;
    ASSERT_EQ(fp32_to_fp16(f), _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT)) << f;
  }
  EXPECT_EQ(fp32_to_fp16(65519.0f), 0x7bff);  // below the halfway point to 65536
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7c00);  // ties to even: inf
}

TEST(QuantHandMade, FloatTypes) {
  const uint16_t f16[] = {0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x3555, 0x7c00, 0x8000};
  const float f16_want[] = {1.0f, -2.0f, 65504.0f, 5.9604645e-8f, 6.1035156e-5f, 0.333251953125f, INFINITY, -0.0f};
  auto y = dequant_ref(TensorType::kF16, f16, 8);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(y[i], f16_want[i]) << i;
  EXPECT_TRUE(std::signbit(y[7]));
  const uint16_t bf16[] = {0x3f80, 0xc040, 0x7f80, 0x4049, 0x0001};
  const float bf16_want[] = {1.0f, -3.0f, INFINITY, 3.140625f, 9.18354962e-41f};
  y = dequant_ref(TensorType::kBF16, bf16, 5);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(y[i], bf16_want[i]) << i;
  const float f32[] = {1.5f, -7.25f, 1e30f};
  y = dequant_ref(TensorType::kF32, f32, 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(y[i], f32[i]);
}

TEST(QuantHandMade, Q4_0AndQ4_1) {
  BlockQ4_0 a;
  a.d = 0x3800;  // 0.5
  for (int j = 0; j < 16; ++j) a.qs[j] = uint8_t(j | ((15 - j) << 4));
  auto y = dequant_ref(TensorType::kQ4_0, &a, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.5f * float(j - 8)) << j;        // low nibbles: elements 0..15
    EXPECT_EQ(y[j + 16], 0.5f * float(7 - j)) << j;   // high nibbles: elements 16..31
  }
  EXPECT_EQ(y[0], -4.0f);
  EXPECT_EQ(y[16], 3.5f);
  BlockQ4_1 b;
  b.d = 0x3400;  // 0.25
  b.m = 0xbc00;  // -1
  std::memcpy(b.qs, a.qs, 16);
  y = dequant_ref(TensorType::kQ4_1, &b, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.25f * float(j) - 1.0f) << j;
    EXPECT_EQ(y[j + 16], 0.25f * float(15 - j) - 1.0f) << j;
  }
  EXPECT_EQ(y[31], -1.0f);
}

TEST(QuantHandMade, Q5_0AndQ5_1) {
  // qh = 0xAAAA5555 little-endian: element j < 16 has its fifth bit iff j is even; element 16 + j iff j odd.
  BlockQ5_0 a;
  a.d = 0x3c00;  // 1
  const uint8_t qh[4] = {0x55, 0x55, 0xaa, 0xaa};
  std::memcpy(a.qh, qh, 4);
  for (int j = 0; j < 16; ++j) a.qs[j] = uint8_t(j | ((15 - j) << 4));
  auto y = dequant_ref(TensorType::kQ5_0, &a, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], float(j + (j % 2 == 0 ? 16 : 0) - 16)) << j;
    EXPECT_EQ(y[j + 16], float(15 - j + (j % 2 == 1 ? 16 : 0) - 16)) << j;
  }
  EXPECT_EQ(y[0], 0.0f);
  EXPECT_EQ(y[1], -15.0f);
  EXPECT_EQ(y[17], 14.0f);
  BlockQ5_1 b;
  b.d = 0x3800;  // 0.5
  b.m = 0x4000;  // 2
  std::memcpy(b.qh, qh, 4);
  std::memcpy(b.qs, a.qs, 16);
  y = dequant_ref(TensorType::kQ5_1, &b, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.5f * float(j + (j % 2 == 0 ? 16 : 0)) + 2.0f) << j;
    EXPECT_EQ(y[j + 16], 0.5f * float(15 - j + (j % 2 == 1 ? 16 : 0)) + 2.0f) << j;
  }
}

TEST(QuantHandMade, Q8Blocks) {
  BlockQ8_0 a;
  a.d = 0x4000;  // 2
  for (int j = 0; j < 32; ++j) a.qs[j] = int8_t(8 * j - 128);
  auto y = dequant_ref(TensorType::kQ8_0, &a, 32);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], 2.0f * float(8 * j - 128)) << j;
  EXPECT_EQ(y[0], -256.0f);
  BlockQ8_1 b;
  b.d = 0x3800;  // 0.5
  b.s = 0x7bff;  // not used by dequantize
  for (int j = 0; j < 32; ++j) b.qs[j] = int8_t(3 * j - 50);
  y = dequant_ref(TensorType::kQ8_1, &b, 32);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], 0.5f * float(3 * j - 50)) << j;
  BlockQ8_K c;
  c.d = 0.125f;
  for (int j = 0; j < 256; ++j) c.qs[j] = int8_t(j - 128);
  y = dequant_ref(TensorType::kQ8_K, &c, 256);
  for (int j = 0; j < 256; ++j) EXPECT_EQ(y[j], 0.125f * float(j - 128)) << j;
}

// Packs 6-bit (scale, min) pairs the way ggml's Q4_K/Q5_K store them (see k_scale_min).
void pack_k_scales(const int* sc, const int* m, uint8_t* out) {
  for (int j = 0; j < 4; ++j) {
    out[j] = uint8_t((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
    out[j + 4] = uint8_t((m[j] & 63) | ((m[j + 4] >> 4) << 6));
    out[j + 8] = uint8_t((sc[j + 4] & 15) | ((m[j + 4] & 15) << 4));
  }
}

TEST(QuantHandMade, Q4_KAndQ5_K) {
  const int sc[8] = {1, 2, 3, 4, 33, 50, 63, 17};
  const int mn[8] = {5, 6, 7, 8, 40, 0, 63, 20};
  BlockQ5_K b;
  b.d = 0x3c00;     // 1
  b.dmin = 0x3800;  // 0.5
  pack_k_scales(sc, mn, b.scales);
  for (int i = 0; i < 128; ++i) b.qs[i] = uint8_t((i & 15) | ((15 - (i & 15)) << 4));
  for (int l = 0; l < 32; ++l) b.qh[l] = uint8_t(l * 5 + 3);
  BlockQ4_K a;
  a.d = b.d;
  a.dmin = b.dmin;
  std::memcpy(a.scales, b.scales, 12);
  std::memcpy(a.qs, b.qs, 128);
  const auto y4 = dequant_ref(TensorType::kQ4_K, &a, 256);
  const auto y5 = dequant_ref(TensorType::kQ5_K, &b, 256);
  // 64-element chunk c: its 32 qs bytes give sub-block 2c (low nibbles) and 2c+1 (high nibbles); Q5_K's
  // fifth bit of those is bit 2c / 2c+1 of qh[l].
  for (int c = 0; c < 4; ++c) {
    for (int l = 0; l < 32; ++l) {
      const int lo = l & 15, hi = 15 - (l & 15);
      const int h_lo = ((l * 5 + 3) >> (2 * c)) & 1, h_hi = ((l * 5 + 3) >> (2 * c + 1)) & 1;
      EXPECT_EQ(y4[64 * c + l], float(sc[2 * c] * lo) - 0.5f * float(mn[2 * c])) << c << "," << l;
      EXPECT_EQ(y4[64 * c + 32 + l], float(sc[2 * c + 1] * hi) - 0.5f * float(mn[2 * c + 1])) << c << "," << l;
      EXPECT_EQ(y5[64 * c + l], float(sc[2 * c] * (lo + 16 * h_lo)) - 0.5f * float(mn[2 * c])) << c << "," << l;
      EXPECT_EQ(y5[64 * c + 32 + l], float(sc[2 * c + 1] * (hi + 16 * h_hi)) - 0.5f * float(mn[2 * c + 1]))
          << c << "," << l;
    }
  }
  // Spot values by hand: element 192 + 1: sub-block 6 (scale 63, min 63), nibble 1 -> 63 - 31.5.
  EXPECT_EQ(y4[193], 31.5f);
  // Q5_K element 225 = chunk 3, high half, l = 1: qh[1] = 8 = 0b1000, bit 7 is 0 -> 17 * 14 - 10.
  EXPECT_EQ(y5[225], 228.0f);
}

TEST(QuantHandMade, Q6_K) {
  BlockQ6_K b;
  for (int i = 0; i < 128; ++i) b.ql[i] = uint8_t(i * 7);
  for (int i = 0; i < 64; ++i) b.qh[i] = uint8_t(i * 13 + 5);
  for (int i = 0; i < 16; ++i) b.scales[i] = int8_t((i % 2 ? -1 : 1) * (i + 1));
  b.d = 0x3400;  // 0.25
  const auto y = dequant_ref(TensorType::kQ6_K, &b, 256);
  // ggml's formulation: per 128 elements, l < 32 yields elements l, l+32, l+64, l+96 from ql[l], ql[l+32]
  // (low, low, high, high nibble) and qh[l] bits (0-1, 2-3, 4-5, 6-7); scales sc[l/16 + 0, 2, 4, 6].
  for (int h = 0; h < 2; ++h) {
    const uint8_t* ql = b.ql + 64 * h;
    const uint8_t* qh = b.qh + 32 * h;
    const int8_t* sc = b.scales + 8 * h;
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 15) | ((qh[l] & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 15) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      const float* yy = y.data() + 128 * h;
      EXPECT_EQ(yy[l], 0.25f * float(sc[is] * q1)) << h << "," << l;
      EXPECT_EQ(yy[l + 32], 0.25f * float(sc[is + 2] * q2)) << h << "," << l;
      EXPECT_EQ(yy[l + 64], 0.25f * float(sc[is + 4] * q3)) << h << "," << l;
      EXPECT_EQ(yy[l + 96], 0.25f * float(sc[is + 6] * q4)) << h << "," << l;
    }
  }
  // By hand: element 0: ql[0] = 0, qh[0] = 5 -> bits 0-1 = 1 -> q = 16 - 32 = -16, scale 1 -> -4.
  EXPECT_EQ(y[0], -4.0f);
  // Element 32: ql[32] = 224 -> low 0, qh[0] bits 2-3 = 1 -> -16, scale sc[2] = 3 -> -12.
  EXPECT_EQ(y[32], -12.0f);
}

TEST(QuantActs, Q8RoundTripWithinHalfStep) {
  std::mt19937 rng(3);
  for (TensorType act : {TensorType::kQ8_0, TensorType::kQ8_1, TensorType::kQ8_K}) {
    const int64_t n = 512;
    const auto x = testing::random_acts(n, rng, testing::Scales::kNormal);
    std::vector<uint8_t> q(row_bytes(act, n));
    kernels(act, Isa::kScalar).quantize_act(x.data(), q.data(), n);
    const auto y = dequant_ref(act, q.data(), n);
    const int be = type_info(act).block_elems;
    for (int64_t b = 0; b < n / be; ++b) {
      float amax = 0;
      for (int j = 0; j < be; ++j) amax = std::max(amax, std::fabs(x[size_t(b * be + j)]));
      // step d = amax/127, rounded to half for Q8_0/Q8_1 (relative 2^-11, times at most 127 steps)
      const float tol = amax / 127.0f * 0.5f + amax * 2e-3f;
      for (int j = 0; j < be; ++j)
        ASSERT_NEAR(y[size_t(b * be + j)], x[size_t(b * be + j)], tol) << type_info(act).name << " " << b;
    }
    if (act == TensorType::kQ8_1) {  // s = d * sum(q)
      const auto* blk = reinterpret_cast<const BlockQ8_1*>(q.data());
      int sum = 0;
      for (int j = 0; j < 32; ++j) sum += blk->qs[j];
      EXPECT_NEAR(half_to_float(blk->s), half_to_float(blk->d) * sum, std::fabs(half_to_float(blk->s)) * 2e-3);
    }
    if (act == TensorType::kQ8_K) {  // bsums
      const auto* blk = reinterpret_cast<const BlockQ8_K*>(q.data());
      for (int g = 0; g < 16; ++g) {
        int sum = 0;
        for (int j = 0; j < 16; ++j) sum += blk->qs[16 * g + j];
        EXPECT_EQ(load_bsum(*blk, g), sum) << g;
      }
    }
  }
}

TEST(QuantActs, NonFiniteBlockGivesNanDot) {
  std::mt19937 rng(5);
  for (TensorType t : kAllTypes) {
    const auto& k = kernels(t, Isa::kScalar);
    const int64_t n = 2 * type_info(t).block_elems * (type_info(t).block_elems == 1 ? 32 : 1);
    const auto row = testing::random_row(t, n, rng, testing::Scales::kNormal);
    for (float bad : {NAN, INFINITY, -INFINITY}) {
      auto x = testing::random_acts(n, rng, testing::Scales::kNormal);
      x[size_t(n - 1)] = bad;
      std::vector<uint8_t> q(act_bytes(t, n));
      k.quantize_act(x.data(), q.data(), n);
      const float r = k.dot(row.data(), q.data(), n);
      if (k.act_type == TensorType::kF32)
        EXPECT_FALSE(std::isfinite(r)) << type_info(t).name;
      else
        EXPECT_TRUE(std::isnan(r)) << type_info(t).name << " " << bad;
    }
  }
}

// The reference dot equals dequantize(row) . dequantize(act): both sides add the same exact products
// (d*q values are exact in float up to one rounding) in different groupings, so they differ by at most
// about (n_blocks + 8) * eps * sum|terms| (recursive summation bound) per side. Q8_1 activations carry
// s = fp16(d*sum q) for the min term, which dequantize(act) does not see: that adds 2^-10 * |m| * |s|.
TEST(QuantRef, DotEqualsDequantizedDot) {
  std::mt19937 rng(11);
  for (TensorType t : kAllTypes) {
    const auto& k = kernels(t, Isa::kScalar);
    const int be = type_info(t).block_elems;
    for (testing::Scales mode : {testing::Scales::kNormal, testing::Scales::kExtreme}) {
      for (int blocks : {1, 2, 5}) {
        const int64_t n = be == 1 ? 37 * blocks : int64_t(be) * blocks;
        const auto row = testing::random_row(t, n, rng, mode);
        const auto x = testing::random_acts(n, rng, mode);
        std::vector<uint8_t> q(act_bytes(t, n));
        k.quantize_act(x.data(), q.data(), n);
        const auto w = dequant_ref(t, row.data(), n);
        const auto a = dequant_ref(k.act_type, q.data(), n);
        double want = 0.0;
        for (int64_t i = 0; i < n; ++i) want += double(w[size_t(i)]) * double(a[size_t(i)]);
        const double mag = testing::dot_magnitude(t, row.data(), a.data(), n);
        const int64_t terms = be == 1 ? n : n / be;
        double tol = 2.0 * double(terms + 8) * kEps * mag + 1e-37;
        if (k.act_type == TensorType::kQ8_1) {
          const auto mins = testing::min_terms(t, row.data(), n);
          for (int64_t b = 0; b < n / 32; ++b) {
            double s = 0;
            for (int j = 0; j < 32; ++j) s += a[size_t(b * 32 + j)];
            tol += std::ldexp(1.0, -9) * mins[size_t(b * 32)] * (std::fabs(s) + 1e-30);
          }
        }
        const float got = k.dot(row.data(), q.data(), n);
        EXPECT_NEAR(got, want, tol) << type_info(t).name << " n=" << n << " mode=" << int(mode);
      }
    }
  }
}

}  // namespace
}  // namespace hayloft::engine::ops
