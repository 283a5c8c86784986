// The activation transpose both prefill GEMM versions read (AVX2, the baseline ISA): 8 x 8 tiles through
// registers, so each token row is read and each xt row written 32 bytes at a time.
#include <immintrin.h>

#include "engine/ops/gemm.hpp"

namespace hayloft::engine::ops {

namespace {

constexpr int64_t kBlock = 32;  // tokens per block of xt

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

int64_t gemm_pad_tokens(int64_t m) { return (m + kBlock - 1) / kBlock * kBlock; }

void gemm_transpose_x(const float* x, int64_t m, int64_t k, int64_t k_begin, int64_t k_end, float* xt) {
  const int64_t m_pad = gemm_pad_tokens(m);
  for (int64_t t0 = 0; t0 < m_pad; t0 += 8) {
    float* block = xt + (t0 / kBlock) * kBlock * k + t0 % kBlock;  // token t0's column 0 in its block
    const bool full = t0 + 8 <= m;
    int64_t c = k_begin;
    for (; full && c + 8 <= k_end; c += 8) {
      __m256 r[8];
      for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(x + (t0 + i) * k + c);
      transpose8(r);
      for (int i = 0; i < 8; ++i) _mm256_storeu_ps(block + (c + i) * kBlock, r[i]);
    }
    for (; c < k_end; ++c) {  // column tail, or the last partial group of tokens (zero-padded)
      for (int64_t i = 0; i < 8; ++i) block[c * kBlock + i] = t0 + i < m ? x[(t0 + i) * k + c] : 0.0f;
    }
  }
}

}  // namespace hayloft::engine::ops
