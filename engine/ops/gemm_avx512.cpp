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

constexpr int64_t kPanel = 32;  // weight rows per panel: two zmm registers
constexpr int kTokens = 12;     // tokens per strip: 12 x 2 accumulators + 2 weight vectors + 1 broadcast
// Columns of k per pass: a panel's slice (256 x 32 floats, 32 KiB) stays in L1 while the strips of
// tokens stream past; the token rows' slices (12 KiB per strip) come from L2.
constexpr int64_t kKc = 256;

// y[MR tokens][32 rows] (+)= x[MR, kc] (row stride ldx) . panel[kc, 32]: per column, two loads of 16 weights
// and MR broadcast activations feeding 2 MR FMAs. Rows at or past n_rows (a partial last panel) are not
// stored.
template <int MR>
void strip(const float* x, int64_t ldx, const float* panel, int64_t kc, float* y, int64_t ldy, int n_rows,
           bool accumulate) {
  const __mmask16 m0 = n_rows >= 16 ? __mmask16(0xffff) : __mmask16((1u << n_rows) - 1);
  const __mmask16 m1 = n_rows >= 32   ? __mmask16(0xffff)
                       : n_rows <= 16 ? __mmask16(0)
                                      : __mmask16((1u << (n_rows - 16)) - 1);
  // Fully unrolled so that the accumulators live in registers (without it GCC keeps them on the stack).
  __m512 acc[MR][2];
#pragma GCC unroll 12
  for (int t = 0; t < MR; ++t) {
    acc[t][0] = accumulate ? _mm512_maskz_loadu_ps(m0, y + t * ldy) : _mm512_setzero_ps();
    acc[t][1] = accumulate ? _mm512_maskz_loadu_ps(m1, y + t * ldy + 16) : _mm512_setzero_ps();
  }
  for (int64_t c = 0; c < kc; ++c) {
    const __m512 w0 = _mm512_load_ps(panel + c * kPanel);
    const __m512 w1 = _mm512_load_ps(panel + c * kPanel + 16);
#pragma GCC unroll 12
    for (int t = 0; t < MR; ++t) {
      const __m512 b = _mm512_set1_ps(x[t * ldx + c]);
      acc[t][0] = _mm512_fmadd_ps(b, w0, acc[t][0]);
      acc[t][1] = _mm512_fmadd_ps(b, w1, acc[t][1]);
    }
  }
#pragma GCC unroll 12
  for (int t = 0; t < MR; ++t) {
    _mm512_mask_storeu_ps(y + t * ldy, m0, acc[t][0]);
    _mm512_mask_storeu_ps(y + t * ldy + 16, m1, acc[t][1]);
  }
}

using StripFn = void (*)(const float*, int64_t, const float*, int64_t, float*, int64_t, int, bool);
template <int... I>
constexpr auto strip_table(std::integer_sequence<int, I...>) {
  return std::array<StripFn, sizeof...(I)>{strip<I + 1>...};
}

}  // namespace

void gemm_avx512(const float* x, int64_t ldx, int64_t m, int64_t k, const float* packed, int64_t n, float* y,
                 int64_t ldy, bool accumulate) {
  static constexpr auto kStrips = strip_table(std::make_integer_sequence<int, kTokens>{});
  for (int64_t k0 = 0; k0 < k; k0 += kKc) {
    const int64_t kc = k - k0 < kKc ? k - k0 : kKc;
    for (int64_t r0 = 0; r0 < n; r0 += kPanel) {
      const float* panel = packed + r0 * k + k0 * kPanel;  // panel r0 / 32, column k0
      const int n_rows = static_cast<int>(n - r0 < kPanel ? n - r0 : kPanel);
      for (int64_t t0 = 0; t0 < m; t0 += kTokens) {
        const int mr = static_cast<int>(m - t0 < kTokens ? m - t0 : kTokens);
        kStrips[static_cast<size_t>(mr - 1)](x + t0 * ldx + k0, ldx, panel, kc, y + t0 * ldy + r0, ldy, n_rows,
                                             accumulate || k0 > 0);
      }
    }
  }
}

}  // namespace hayloft::engine::ops
