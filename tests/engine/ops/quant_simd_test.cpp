// Every SIMD kernel against the scalar reference, for every type on every ISA the CPU has: sizes from 0 to
// a few blocks (plus tails for the float types), misaligned pointers, random and extreme data, NaN/inf
// activations, guard bytes after every output.
#include <gtest/gtest.h>

#include "engine/ops/quant_impl.hpp"
#include "tests/engine/ops/quant_test_util.hpp"

namespace hayloft::engine::ops {
namespace {

using testing::Guarded;
using testing::kAllTypes;
using testing::kEps;
using testing::Scales;

// The kernel sets under test: what kernels() hands out per ISA, plus the AVX-512 set without VNNI that
// kernels() would pick on a CPU lacking it (this one usually has VNNI, so reach it directly).
enum class Variant { kAvx2, kAvx512, kAvx512NoVnni };

const char* variant_name(Variant v) {
  switch (v) {
    case Variant::kAvx2: return "avx2";
    case Variant::kAvx512: return "avx512";
    case Variant::kAvx512NoVnni: return "avx512_novnni";
  }
  return "?";
}

class QuantSimd : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override {
    const Isa need = GetParam() == Variant::kAvx2 ? Isa::kAvx2 : Isa::kAvx512;
    if (detect_isa() < need)
      GTEST_SKIP() << "this CPU lacks " << isa_name(need) << " (needs AVX-512 F/BW/VL/DQ for avx512)";
  }
  static const TypeKernels& simd_kernels(TensorType t) {
    switch (GetParam()) {
      case Variant::kAvx2: return kernels(t, Isa::kAvx2);
      case Variant::kAvx512: return kernels(t, Isa::kAvx512);
      case Variant::kAvx512NoVnni: {
        const TypeKernels* k = avx512_kernels(t, false);
        return k != nullptr ? *k : kernels(t, Isa::kAvx2);
      }
    }
    return kernels(t, Isa::kScalar);
  }
};

std::vector<int64_t> sizes_for(TensorType t) {
  const int be = type_info(t).block_elems;
  std::vector<int64_t> out;
  if (be == 1) {
    for (int64_t n = 0; n <= 72; ++n) out.push_back(n);  // every tail of the 8- and 32-wide loops
    out.push_back(1000);
  } else {
    for (int b = 0; b <= (be == 32 ? 5 : 3); ++b) out.push_back(int64_t(b) * be);
    // 32-block kernels take 8 blocks at a time (scale gathers, per-block scale permutes): one and two
    // full groups, with and without tails (18 blocks = SmolLM2's 576 columns).
    if (be == 32)
      for (int b : {8, 9, 16, 18}) out.push_back(int64_t(b) * be);
  }
  return out;
}

std::string label(TensorType t, int64_t n, int off, Scales mode) {
  return std::string(type_info(t).name) + " n=" + std::to_string(n) + " off=" + std::to_string(off) +
         " mode=" + std::to_string(int(mode));
}

// Dequantize and quantize_act are bit-exact to the reference (same operations in the same order).
TEST_P(QuantSimd, DequantizeAndQuantizeMatchReferenceExactly) {
  std::mt19937 rng(21);
  for (TensorType t : kAllTypes) {
    const auto& ref = kernels(t, Isa::kScalar);
    const auto& simd = simd_kernels(t);
    for (int64_t n : sizes_for(t)) {
      for (int off = 0; off < 4; ++off) {
        for (Scales mode : {Scales::kNormal, Scales::kExtreme}) {
          const auto row = testing::random_row(t, n, rng, mode);
          Guarded src(row.size(), off);
          if (!row.empty()) std::memcpy(src.data(), row.data(), row.size());
          Guarded out_ref(size_t(n) * 4, 0), out(size_t(n) * 4, 4 * ((off + 1) % 4));
          ref.dequantize(row.data(), reinterpret_cast<float*>(out_ref.data()), n);
          simd.dequantize(src.data(), reinterpret_cast<float*>(out.data()), n);
          ASSERT_TRUE(out.guards_intact(size_t(n) * 4)) << label(t, n, off, mode);
          for (int64_t i = 0; i < n; ++i) {
            float a, b;
            std::memcpy(&a, out_ref.data() + 4 * i, 4);
            std::memcpy(&b, out.data() + 4 * i, 4);
            ASSERT_EQ(a, b) << label(t, n, off, mode) << " i=" << i;
          }
          const auto x = testing::random_acts(n, rng, mode);
          Guarded xs(size_t(n) * 4, 4 * ((off + 2) % 4));
          if (n > 0) std::memcpy(xs.data(), x.data(), size_t(n) * 4);
          const size_t qb = act_bytes(t, n);
          std::vector<uint8_t> q_ref(qb);
          Guarded q(qb, off);
          ref.quantize_act(x.data(), q_ref.data(), n);
          simd.quantize_act(reinterpret_cast<const float*>(xs.data()), q.data(), n);
          ASSERT_TRUE(q.guards_intact(qb)) << label(t, n, off, mode);
          ASSERT_TRUE(qb == 0 || std::memcmp(q.data(), q_ref.data(), qb) == 0) << label(t, n, off, mode);
        }
      }
    }
  }
}

// Dots: both sides add the same exact per-block integer sums, scaled by the same float factors, in a
// different order and with FMA. Each evaluation is within (terms + 8) * eps * sum|terms| of the exact value
// (recursive summation bound, with a few roundings per term), so they differ by at most twice that.
// sum|terms| is bounded by dot_magnitude (|a_i| * (|w_i| + 2|min_i|)), in double.
TEST_P(QuantSimd, DotAndMatvecWithinBoundOfReference) {
  std::mt19937 rng(33);
  for (TensorType t : kAllTypes) {
    const auto& ref = kernels(t, Isa::kScalar);
    const auto& simd = simd_kernels(t);
    const int be = type_info(t).block_elems;
    for (int64_t n : sizes_for(t)) {
      for (int off = 0; off < 4; ++off) {
        for (Scales mode : {Scales::kNormal, Scales::kExtreme}) {
          constexpr int kRows = 7;  // a 4-row group, a 2-row group and single rows (AVX-512: 4, AVX2: 2)
          const size_t rb = row_bytes(t, n);
          std::vector<uint8_t> rows;
          for (int r = 0; r < kRows; ++r) {
            const auto row = testing::random_row(t, n, rng, mode);
            rows.insert(rows.end(), row.begin(), row.end());
          }
          Guarded w(rows.size(), off);
          if (!rows.empty()) std::memcpy(w.data(), rows.data(), rows.size());
          const auto x = testing::random_acts(n, rng, mode);
          const size_t qb = act_bytes(t, n);
          Guarded q(qb, (off + 3) % 4);
          ref.quantize_act(x.data(), q.data(), n);
          std::vector<float> a(static_cast<size_t>(n));
          kernels(ref.act_type, Isa::kScalar).dequantize(q.data(), a.data(), n);
          Guarded y(kRows * 4, 4 * off);
          matvec(simd, w.data(), rb, q.data(), reinterpret_cast<float*>(y.data()), n, 0, kRows);
          ASSERT_TRUE(y.guards_intact(kRows * 4)) << label(t, n, off, mode);
          for (int r = 0; r < kRows; ++r) {
            const uint8_t* row = rows.data() + r * rb;
            const float want = ref.dot(row, q.data(), n);
            float got;
            std::memcpy(&got, y.data() + 4 * r, 4);
            const int64_t terms = be == 1 ? n : n / be;
            const double tol = 2.0 * double(terms + 8) * kEps * testing::dot_magnitude(t, row, a.data(), n) + 1e-37;
            if (std::isfinite(want))
              ASSERT_NEAR(got, want, tol) << label(t, n, off, mode) << " row=" << r;
            else  // Q8_1's fp16 s = d*sum(q) overflows for huge activations, in ggml too: same inf
              ASSERT_EQ(got, want) << label(t, n, off, mode) << " row=" << r;
            ASSERT_EQ(got, simd.dot(w.data() + r * rb, q.data(), n)) << "matvec must equal dot bit for bit "
                                                                         << label(t, n, off, mode) << " row=" << r;
          }
        }
      }
    }
  }
}

TEST_P(QuantSimd, NonFiniteActivationsLikeReference) {
  std::mt19937 rng(44);
  for (TensorType t : kAllTypes) {
    const auto& ref = kernels(t, Isa::kScalar);
    const auto& simd = simd_kernels(t);
    const int be = type_info(t).block_elems;
    const int64_t n = be == 1 ? 70 : 2 * be;
    const auto row = testing::random_row(t, n, rng, Scales::kNormal);
    for (float bad : {NAN, INFINITY, -INFINITY}) {
      for (int64_t pos : {int64_t(0), n / 2 + 1, n - 1}) {
        auto x = testing::random_acts(n, rng, Scales::kNormal);
        x[size_t(pos)] = bad;
        std::vector<uint8_t> q_ref(act_bytes(t, n)), q(act_bytes(t, n));
        ref.quantize_act(x.data(), q_ref.data(), n);
        simd.quantize_act(x.data(), q.data(), n);
        const float want = ref.dot(row.data(), q_ref.data(), n);
        const float got = simd.dot(row.data(), q.data(), n);
        EXPECT_EQ(std::isnan(want), std::isnan(got)) << type_info(t).name << " pos=" << pos << " " << bad;
        EXPECT_EQ(std::isfinite(want), std::isfinite(got)) << type_info(t).name << " pos=" << pos;
        EXPECT_FALSE(std::isfinite(got)) << type_info(t).name;
      }
    }
  }
}

TEST_P(QuantSimd, DequantizeRowsMatchesPerRow) {
  std::mt19937 rng(55);
  for (TensorType t : {TensorType::kQ4_K, TensorType::kQ8_0, TensorType::kF16}) {
    const int64_t n = 512, rows = 4;
    std::vector<uint8_t> w;
    for (int r = 0; r < rows; ++r) {
      const auto row = testing::random_row(t, n, rng, Scales::kNormal);
      w.insert(w.end(), row.begin(), row.end());
    }
    const size_t rb = row_bytes(t, n);
    std::vector<float> tile(size_t(2 * n) + 16, -7.0f), one(static_cast<size_t>(n));
    dequantize_rows(t, w.data(), rb, tile.data(), n, 1, 3);
    for (int r = 1; r < 3; ++r) {
      kernels(t, Isa::kScalar).dequantize(w.data() + r * rb, one.data(), n);
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(tile[size_t((r - 1) * n + i)], one[size_t(i)]) << r << "," << i;
    }
    for (size_t i = size_t(2 * n); i < tile.size(); ++i) ASSERT_EQ(tile[i], -7.0f);
  }
}

// matvec over a row range writes y[r - row_begin] for exactly those rows.
TEST_P(QuantSimd, MatvecRowRange) {
  std::mt19937 rng(66);
  const TensorType t = TensorType::kQ4_1;
  const int64_t n = 64, rows = 12;
  std::vector<uint8_t> w;
  for (int r = 0; r < rows; ++r) {
    const auto row = testing::random_row(t, n, rng, Scales::kNormal);
    w.insert(w.end(), row.begin(), row.end());
  }
  const auto& k = simd_kernels(t);
  const auto x = testing::random_acts(n, rng, Scales::kNormal);
  std::vector<uint8_t> q(act_bytes(t, n));
  k.quantize_act(x.data(), q.data(), n);
  std::vector<float> y(10, -9.0f);
  matvec(k, w.data(), row_bytes(t, n), q.data(), y.data(), n, 3, 12);  // 9 rows: 4 + 4 + 1 (AVX2: 2+2+2+2+1)
  for (int r = 3; r < 12; ++r) EXPECT_EQ(y[size_t(r - 3)], k.dot(w.data() + r * row_bytes(t, n), q.data(), n)) << r;
  EXPECT_EQ(y[9], -9.0f);  // nothing past row_end - row_begin
  matvec(k, w.data(), row_bytes(t, n), q.data(), y.data(), n, 3, 3);  // empty range writes nothing
  EXPECT_EQ(y[9], -9.0f);
}

// Guards against a table silently falling back: every weight type has its own dot on this ISA.
TEST_P(QuantSimd, EveryWeightTypeHasSimdDot) {
  for (TensorType t : kAllTypes) {
    if (t == TensorType::kQ8_1 || t == TensorType::kQ8_K) continue;  // activation formats only
    EXPECT_NE(simd_kernels(t).dot, kernels(t, Isa::kScalar).dot) << type_info(t).name;
    if (GetParam() == Variant::kAvx512 && has_avx512_vnni() && t != TensorType::kQ8_0 && type_info(t).block_elems > 1) {
      EXPECT_NE(simd_kernels(t).dot, kernels(t, Isa::kAvx2).dot) << type_info(t).name << ": VNNI dot expected";
    }
    EXPECT_EQ(simd_kernels(t).act_type, kernels(t, Isa::kScalar).act_type) << type_info(t).name;
  }
}

INSTANTIATE_TEST_SUITE_P(Isas, QuantSimd,
                         ::testing::Values(Variant::kAvx2, Variant::kAvx512, Variant::kAvx512NoVnni),
                         [](const auto& info) { return std::string(variant_name(info.param)); });

}  // namespace
}  // namespace hayloft::engine::ops
