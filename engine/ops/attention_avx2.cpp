// AVX2+FMA attention for one query head (same contract and rounding points as attention_ref.cpp): q is
// rounded to f16 once for an f16 cache, 8 dims per step; f16 rows are widened with F16C.
#include <immintrin.h>

#include "engine/ops/activation.hpp"
#include "engine/ops/attention.hpp"

namespace hayloft::engine::ops {

namespace {

inline __m256 load8(const void* row, int d, bool f16) {
  if (f16) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(row) + d)));
  }
  return _mm256_loadu_ps(static_cast<const float*>(row) + d);
}

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline const void* slot_row(const void* base, int64_t slot, int64_t kv_dim, int64_t offset, bool f16) {
  const int64_t elem = slot * kv_dim + offset;
  return f16 ? static_cast<const void*>(static_cast<const uint16_t*>(base) + elem)
             : static_cast<const void*>(static_cast<const float*>(base) + elem);
}

}  // namespace

void attend_avx2(const float* q, const KvLayerView& kv, int kv_head, int head_dim, int64_t p_begin,
                 int64_t p_end, float scale, float cap, float* scores, float* out) {
  constexpr int kMaxHeadDim = 512;
  alignas(32) float qr[kMaxHeadDim];
  // An f16 cache multiplies against Q rounded to f16 (as ggml does; see attention_ref.cpp).
  for (int d = 0; d < head_dim; ++d) qr[d] = kv.f16 ? f16_to_f32(f32_to_f16(q[d])) : q[d];
  const int64_t n = p_end - p_begin;
  const int64_t offset = static_cast<int64_t>(kv_head) * head_dim;
  for (int64_t j = 0; j < n; ++j) {
    const void* k = slot_row(kv.k, (p_begin + j) % kv.cap, kv.kv_dim, offset, kv.f16);
    __m256 acc = _mm256_setzero_ps();
    for (int d = 0; d < head_dim; d += 8) acc = _mm256_fmadd_ps(_mm256_load_ps(qr + d), load8(k, d, kv.f16), acc);
    scores[j] = hsum(acc) * scale;
  }
  if (cap > 0) softcap(scores, n, cap);
  softmax(scores, n);
  __m256 o[kMaxHeadDim / 8];
  for (int b = 0; b < head_dim / 8; ++b) o[b] = _mm256_setzero_ps();
  for (int64_t j = 0; j < n; ++j) {
    const void* v = slot_row(kv.v, (p_begin + j) % kv.cap, kv.kv_dim, offset, kv.f16);
    const __m256 w = _mm256_set1_ps(kv.f16 ? f16_to_f32(f32_to_f16(scores[j])) : scores[j]);
    for (int b = 0; b < head_dim / 8; ++b) o[b] = _mm256_fmadd_ps(w, load8(v, b * 8, kv.f16), o[b]);
  }
  for (int b = 0; b < head_dim / 8; ++b) _mm256_storeu_ps(out + b * 8, o[b]);
}

void attend(const float* q, const KvLayerView& kv, int kv_head, int head_dim, int64_t p_begin,
            int64_t p_end, float scale, float cap, float* scores, float* out) {
  if (head_dim % 8 == 0 && head_dim <= 512) {
    attend_avx2(q, kv, kv_head, head_dim, p_begin, p_end, scale, cap, scores, out);
  } else {
    attend_ref(q, kv, kv_head, head_dim, p_begin, p_end, scale, cap, scores, out);
  }
}

}  // namespace hayloft::engine::ops
