// AVX-512 online-softmax step of the tiled batched attention (see attention_batch.hpp): 16 lanes and
// masked tails instead of the AVX2 version's 8 lanes and scalar tails. With head_dim 64 (SmolLM2) the
// softmax costs about a third of the two GEMMs per score, so its width shows on long prompts.
// Compiled with AVX-512 flags: called only where detect_isa() said so.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/ops/attention_batch.hpp"

namespace hayloft::engine::ops {
namespace {

// exp8 of exp_avx2.hpp on 16 lanes (Cephes' expf polynomial, relative error ~2e-7, inputs clamped).
inline __m512 exp16(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.3f));
  const __m512 fx = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                         _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  x = _mm512_fnmadd_ps(fx, _mm512_set1_ps(0.693359375f), x);
  x = _mm512_fnmadd_ps(fx, _mm512_set1_ps(-2.12194440e-4f), x);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, x, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, x, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, x, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, x, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, x, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(x, x), _mm512_add_ps(x, _mm512_set1_ps(1.0f)));
  const __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(fx), _mm512_set1_epi32(127)), 23);
  return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
}

inline __mmask16 tail_mask(int64_t left) { return left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1); }

}  // namespace

void attend_softmax_row_avx512(float* s, int64_t ja, int64_t jb, int64_t ncols, float scale, bool f16, float& m,
                               float& l, float* o, int head_dim) {
  if (ja >= jb) {
    std::fill_n(s, ncols, 0.0f);
    return;
  }
  const __m512 sc = _mm512_set1_ps(scale);
  __m512 mx16 = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  for (int64_t j = ja; j < jb; j += 16) {
    const __mmask16 k = tail_mask(jb - j);
    const __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, s + j), sc);
    _mm512_mask_storeu_ps(s + j, k, v);
    mx16 = _mm512_mask_max_ps(mx16, k, mx16, v);
  }
  const float m_new = std::max(m, _mm512_reduce_max_ps(mx16));
  const float alpha = std::exp(m - m_new);  // m = -inf on the first visible tile: alpha = 0, l = 0, o = 0
  if (alpha != 1.0f) {
    for (int d = 0; d < head_dim; ++d) o[d] *= alpha;
  }
  const __m512 mv = _mm512_set1_ps(m_new);
  __m512 sum16 = _mm512_setzero_ps();
  for (int64_t j = ja; j < jb; j += 16) {
    const __mmask16 k = tail_mask(jb - j);
    __m512 p = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, s + j), mv));
    p = _mm512_maskz_mov_ps(k, p);  // lanes past jb: exactly 0
    sum16 = _mm512_add_ps(sum16, p);
    if (f16) p = _mm512_cvtph_ps(_mm512_cvtps_ph(p, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    _mm512_mask_storeu_ps(s + j, k, p);
  }
  std::fill(s, s + ja, 0.0f);
  std::fill(s + jb, s + ncols, 0.0f);
  l = l * alpha + _mm512_reduce_add_ps(sum16);
  m = m_new;
}

}  // namespace hayloft::engine::ops
