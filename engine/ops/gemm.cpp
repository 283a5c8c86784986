// Weight packing both prefill GEMM versions read (AVX2, the baseline ISA): 8 x 8 tiles transposed through
// registers, so each weight row is read and each panel column written 32 bytes at a time.
#include <immintrin.h>

#include "engine/ops/gemm.hpp"

namespace hayloft::engine::ops {

namespace {

constexpr int64_t kPanel = 32;  // weight rows per panel

// In-register transpose of r[0..7] (8 rows of 8 floats).
inline void transpose8(__m256 r[8]) {
  __m256 t[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  __m256 u[8];
  for (int i = 0; i < 2; ++i) {
    u[4 * i + 0] = _mm256_shuffle_ps(t[4 * i + 0], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i + 0], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}

}  // namespace

size_t gemm_packed_floats(int64_t n, int64_t k) {
  return static_cast<size_t>((n + kPanel - 1) / kPanel * kPanel * k);
}

void gemm_pack_w(const float* w, int64_t n, int64_t k, float* packed) {
  const int64_t n_pad = (n + kPanel - 1) / kPanel * kPanel;
  for (int64_t r0 = 0; r0 < n_pad; r0 += 8) {
    float* dst = packed + (r0 / kPanel) * kPanel * k + r0 % kPanel;  // row r0's column 0 in its panel
    const bool full = r0 + 8 <= n;
    int64_t c = 0;
    for (; full && c + 8 <= k; c += 8) {
      __m256 r[8];
      for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(w + (r0 + i) * k + c);
      transpose8(r);
      for (int i = 0; i < 8; ++i) _mm256_storeu_ps(dst + (c + i) * kPanel, r[i]);
    }
    for (; c < k; ++c) {  // column tail, or the last partial group of rows (zero-padded)
      for (int64_t i = 0; i < 8; ++i) dst[c * kPanel + i] = r0 + i < n ? w[(r0 + i) * k + c] : 0.0f;
    }
  }
}

}  // namespace hayloft::engine::ops
