// AVX2+FMA gated activations (baseline ISA); tails go to the scalar reference.
#include <immintrin.h>

#include "engine/ops/activation.hpp"
#include "engine/ops/exp_avx2.hpp"
#include "engine/ops/glu.hpp"

namespace hayloft::engine::ops {

void swiglu_avx2(const float* gate, const float* up, float* out, int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 g = _mm256_loadu_ps(gate + i);
    const __m256 s = _mm256_div_ps(g, _mm256_add_ps(one, exp8(_mm256_sub_ps(zero, g))));
    _mm256_storeu_ps(out + i, _mm256_mul_ps(s, _mm256_loadu_ps(up + i)));
  }
  swiglu(gate + i, up + i, out + i, n - i);
}

// GELU through ggml's f16 table, like the scalar geglu: x rounded to f16 (F16C, nearest-even as
// fp32_to_fp16) indexes a float copy of the table; 0 at or below -10, x at or above 10.
void geglu_avx2(const float* gate, const float* up, float* out, int64_t n) {
  const float* table = gelu_f16_values();
  const __m256 lo = _mm256_set1_ps(-10.0f), hi = _mm256_set1_ps(10.0f), zero = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(gate + i);
    const __m256i idx = _mm256_cvtepu16_epi32(_mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT));
    __m256 g = _mm256_i32gather_ps(table, idx, 4);
    g = _mm256_blendv_ps(g, x, _mm256_cmp_ps(x, hi, _CMP_GE_OQ));
    g = _mm256_blendv_ps(g, zero, _mm256_cmp_ps(x, lo, _CMP_LE_OQ));
    _mm256_storeu_ps(out + i, _mm256_mul_ps(g, _mm256_loadu_ps(up + i)));
  }
  geglu(gate + i, up + i, out + i, n - i);
}

}  // namespace hayloft::engine::ops
