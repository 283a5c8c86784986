// AVX-512 prefill GEMM kernel (see gemm.hpp). Compiled with AVX-512 flags: call only after CPUID said so.
// GCC 12's AVX-512 headers trip -W(maybe-)uninitialized on their own placeholders (GCC PR 105593).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <array>
#include <utility>

#include "engine/ops/gemm.hpp"

namespace hayloft::engine::ops {
namespace {

constexpr int64_t kBlock = 32;  // tokens per xt block: two zmm registers
constexpr int kRows = 12;       // weight rows per strip: 12 x 2 accumulators + 2 token vectors + 1 broadcast

// Columns of k per pass: a strip's weights (12 x 256 floats, 12 KiB) stay in L1 while the token blocks'
// matching columns (32 KiB each) stream past.
constexpr int64_t kKc = 256;

// out[NR][32] (+)= w[NR rows, kc] (row stride ldw) . block[kc, 32]: per step of k, two loads of 16 tokens
// and NR broadcast weights feeding 2 NR FMAs; NR <= 12 keeps all sums in registers.
template <int NR>
void strip(const float* block, int64_t kc, const float* w, int64_t ldw, float* out, bool accumulate) {
  // Fully unrolled so that the accumulators live in registers (without it GCC keeps them on the stack).
  __m512 acc[NR][2];
#pragma GCC unroll 12
  for (int r = 0; r < NR; ++r) {
    acc[r][0] = accumulate ? _mm512_load_ps(out + r * kBlock) : _mm512_setzero_ps();
    acc[r][1] = accumulate ? _mm512_load_ps(out + r * kBlock + 16) : _mm512_setzero_ps();
  }
  for (int64_t kk = 0; kk < kc; ++kk) {
    const __m512 x0 = _mm512_load_ps(block + kk * kBlock);
    const __m512 x1 = _mm512_load_ps(block + kk * kBlock + 16);
#pragma GCC unroll 12
    for (int r = 0; r < NR; ++r) {
      const __m512 b = _mm512_set1_ps(w[r * ldw + kk]);
      acc[r][0] = _mm512_fmadd_ps(b, x0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(b, x1, acc[r][1]);
    }
  }
#pragma GCC unroll 12
  for (int r = 0; r < NR; ++r) {
    _mm512_store_ps(out + r * kBlock, acc[r][0]);
    _mm512_store_ps(out + r * kBlock + 16, acc[r][1]);
  }
}

using StripFn = void (*)(const float*, int64_t, const float*, int64_t, float*, bool);
template <int... I>
constexpr auto strip_table(std::integer_sequence<int, I...>) {
  return std::array<StripFn, sizeof...(I)>{strip<I + 1>...};
}

// Sums held between passes over k: 8 strips (96 weight rows) x 4 token blocks (128 tokens), 48 KiB. Once a
// group of rows is done for a slice of tokens, each token's 96 outputs go to y as one contiguous run (short
// scattered stores per strip cost 10% of prefill in a profile: every cache line of y was fetched repeatedly).
constexpr int kGroupStrips = 8;
constexpr int64_t kSliceBlocks = 4;

}  // namespace

void gemm_xt_avx512(const float* xt, int64_t m, int64_t k, const float* w, int64_t n, float* y, int64_t ldy) {
  static constexpr auto kStrips = strip_table(std::make_integer_sequence<int, kRows>{});
  alignas(64) float sums[kGroupStrips * kSliceBlocks * kRows * kBlock];  // [strip][block][row][token]
  constexpr int64_t kGroupRows = kGroupStrips * kRows;
  for (int64_t g0 = 0; g0 < n; g0 += kGroupRows) {
    const int64_t gn = n - g0 < kGroupRows ? n - g0 : kGroupRows;
    for (int64_t m0 = 0; m0 < m; m0 += kSliceBlocks * kBlock) {
      const int64_t mc = m - m0 < kSliceBlocks * kBlock ? m - m0 : kSliceBlocks * kBlock;
      const float* xs = xt + m0 * k;  // block m0 / 32
      for (int64_t s0 = 0; s0 < gn; s0 += kRows) {
        const int nr = static_cast<int>(gn - s0 < kRows ? gn - s0 : kRows);
        const StripFn fn = kStrips[static_cast<size_t>(nr - 1)];
        float* strip_sums = sums + (s0 / kRows) * kSliceBlocks * kRows * kBlock;
        for (int64_t k0 = 0; k0 < k; k0 += kKc) {
          const int64_t kc = k - k0 < kKc ? k - k0 : kKc;
          for (int64_t t0 = 0; t0 < mc; t0 += kBlock) {
            fn(xs + t0 * k + k0 * kBlock, kc, w + (g0 + s0) * k + k0, k, strip_sums + (t0 / kBlock) * kRows * kBlock,
               k0 > 0);
          }
        }
      }
      for (int64_t t = 0; t < mc; ++t) {
        const float* src = sums + (t / kBlock) * kRows * kBlock + t % kBlock;
        float* dst = y + (m0 + t) * ldy + g0;
        for (int64_t r = 0; r < gn; ++r) {
          dst[r] = src[(r / kRows) * kSliceBlocks * kRows * kBlock + (r % kRows) * kBlock];
        }
      }
    }
  }
}

}  // namespace hayloft::engine::ops
