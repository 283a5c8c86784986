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

void geglu_avx2(const float* gate, const float* up, float* out, int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 c1 = _mm256_set1_ps(-2.0f * 0.7978845608028654f);  // -2 sqrt(2/pi)
  const __m256 c3 = _mm256_set1_ps(0.044715f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(gate + i);
    // -2u = -2 sqrt(2/pi) (x + 0.044715 x^3)
    const __m256 inner = _mm256_fmadd_ps(_mm256_mul_ps(c3, x), _mm256_mul_ps(x, x), x);
    const __m256 g = _mm256_div_ps(x, _mm256_add_ps(one, exp8(_mm256_mul_ps(c1, inner))));
    _mm256_storeu_ps(out + i, _mm256_mul_ps(g, _mm256_loadu_ps(up + i)));
  }
  geglu(gate + i, up + i, out + i, n - i);
}

}  // namespace hayloft::engine::ops
