// AVX2+FMA attention for one query head (same contract and rounding points as attention_ref.cpp): q is
// rounded to f16 once for an f16 cache, 8 dims per step; f16 rows are widened with F16C.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "engine/ops/activation.hpp"
#include "engine/ops/attention.hpp"
#include "engine/ops/exp_avx2.hpp"

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

// Sums of 8 vectors each, as one vector [sum(a[0]), ..., sum(a[7])], each added in hsum()'s order
// ((x0+x4) + (x2+x6)) + ((x1+x5) + (x3+x7)), so a score is bit-identical to attend_avx2's.
inline __m256 hsum8x8(const __m256* a) {
  __m256 p[4];
  for (int k = 0; k < 4; ++k) {
    // lane 0: a[2k]'s low + high half, lane 1: a[2k+1]'s; then [t0, t2, t1, t3] per lane.
    const __m256 u = _mm256_add_ps(_mm256_permute2f128_ps(a[2 * k], a[2 * k + 1], 0x20),
                                   _mm256_permute2f128_ps(a[2 * k], a[2 * k + 1], 0x31));
    p[k] = _mm256_permute_ps(u, _MM_SHUFFLE(3, 1, 2, 0));
  }
  // hadd: (t0+t2), (t1+t3) per vector, then their sum; lanes hold vectors [0 2 4 6 | 1 3 5 7].
  const __m256 f = _mm256_hadd_ps(_mm256_hadd_ps(p[0], p[1]), _mm256_hadd_ps(p[2], p[3]));
  return _mm256_permutevar8x32_ps(f, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// x[j] = exp(x[j] - max) over n scores, eight at a time with exp8 (the scalar tail with std::exp), and
// returns max and the sum. std::exp per position was most of decode's attention time at depth (one
// call per position, head and layer: 2.2M per token for SmolLM2 at 8K). Both AVX2 paths (attend_avx2
// and the two-pass attend_scores_avx2) share it, so one slice still weights values exactly as
// attend_avx2 does; attention_ref.cpp keeps softmax()'s std::exp as the reference.
float exp_shifted(float* x, int64_t n, double& sum) {
  float mx = x[0];
  for (int64_t j = 1; j < n; ++j) mx = x[j] > mx ? x[j] : mx;
  const __m256 mv = _mm256_set1_ps(mx);
  __m256 acc = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + j), mv));
    _mm256_storeu_ps(x + j, e);
    acc = _mm256_add_ps(acc, e);
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  sum = 0;
  for (float l : lanes) sum += l;
  for (; j < n; ++j) {
    x[j] = std::exp(x[j] - mx);
    sum += x[j];
  }
  return mx;
}

constexpr int kBlock = 8;            // positions per step
constexpr int kMaxPartialDim = 256;  // head_dim the stack tiles below are sized for
constexpr int kMaxHeads = 16;        // query heads per KV head the stack tiles below are sized for
constexpr int kPrefetchRows = 32;    // positions ahead that load_rows prefetches

// Rows of positions [p, p + nb) of one KV head as f32 into t[kBlock][head_dim]; rows past nb are zero.
inline void load_rows(const void* base, const KvLayerView& kv, int64_t offset, int64_t p, int nb, int head_dim,
                      float* t) {
  for (int i = 0; i < kBlock; ++i) {
    float* row = t + i * head_dim;
    if (i >= nb) {
      for (int d = 0; d < head_dim; d += 8) _mm256_store_ps(row + d, _mm256_setzero_ps());
      continue;
    }
    const void* src = slot_row(base, (p + i) % kv.cap, kv.kv_dim, offset, kv.f16);
    for (int d = 0; d < head_dim; d += 8) _mm256_store_ps(row + d, load8(src, d, kv.f16));
    // A head's rows are strided (kv_dim apart), which the hardware prefetchers follow poorly: fetch
    // the row kPrefetchRows positions ahead (past the slice it is a harmless hint).
    const auto* ahead = static_cast<const char*>(slot_row(base, (p + i + kPrefetchRows) % kv.cap, kv.kv_dim, offset, kv.f16));
    for (int b = 0; b < head_dim * (kv.f16 ? 2 : 4); b += 64) _mm_prefetch(ahead + b, _MM_HINT_T0);
  }
}

}  // namespace

// Keys are widened to f32 eight positions at a time into an L1 tile shared by the n_q heads, q.k for
// eight positions is reduced with one hadd tree, exp is vectorized.
void attend_scores_avx2(const float* q, int n_q, const KvLayerView& kv, int kv_head, int head_dim,
                        int64_t p_begin, int64_t p_end, float scale, float cap, float* e, int64_t e_stride,
                        float* m, double* l) {
  alignas(32) float qr[kMaxHeads * kMaxPartialDim];
  alignas(32) float tile[kBlock * kMaxPartialDim];
  for (int i = 0; i < n_q * head_dim; ++i) qr[i] = kv.f16 ? f16_to_f32(f32_to_f16(q[i])) : q[i];
  const int64_t n = p_end - p_begin;
  const int64_t offset = static_cast<int64_t>(kv_head) * head_dim;
  for (int64_t j = 0; j < n; j += kBlock) {
    const int nb = static_cast<int>(std::min<int64_t>(kBlock, n - j));
    load_rows(kv.k, kv, offset, p_begin + j, nb, head_dim, tile);
    for (int h = 0; h < n_q; ++h) {
      __m256 acc[kBlock];
      for (int i = 0; i < kBlock; ++i) acc[i] = _mm256_setzero_ps();
      for (int d = 0; d < head_dim; d += 8) {
        const __m256 qv = _mm256_load_ps(qr + h * head_dim + d);
        for (int i = 0; i < kBlock; ++i) acc[i] = _mm256_fmadd_ps(qv, _mm256_load_ps(tile + i * head_dim + d), acc[i]);
      }
      alignas(32) float s8[kBlock];
      _mm256_store_ps(s8, _mm256_mul_ps(hsum8x8(acc), _mm256_set1_ps(scale)));
      for (int i = 0; i < nb; ++i) e[h * e_stride + j + i] = s8[i];
    }
  }
  // Per head: max, e_j = exp(s_j - max) in place, l = sum e_j, as attend_avx2 computes them, so that one
  // slice weights values bit for bit as attend_avx2 does.
  for (int h = 0; h < n_q; ++h) {
    float* sc = e + h * e_stride;
    if (cap > 0) softcap(sc, n, cap);
    m[h] = exp_shifted(sc, n, l[h]);
  }
}

// Values are widened eight positions at a time into the L1 tile; each head's weights are scaled by c[h]
// and rounded (f16 cache) eight at a time; 64 output dimensions (8 registers) accumulate per pass.
void attend_values_avx2(const float* e, int64_t e_stride, const float* c, int n_q, const KvLayerView& kv,
                        int kv_head, int head_dim, int64_t p_begin, int64_t p_end, float* o) {
  alignas(32) float tile[kBlock * kMaxPartialDim];
  const int64_t n = p_end - p_begin;
  const int64_t offset = static_cast<int64_t>(kv_head) * head_dim;
  for (int i = 0; i < n_q * head_dim; ++i) o[i] = 0;
  for (int64_t j = 0; j < n; j += kBlock) {
    const int nb = static_cast<int>(std::min<int64_t>(kBlock, n - j));
    load_rows(kv.v, kv, offset, p_begin + j, nb, head_dim, tile);
    for (int h = 0; h < n_q; ++h) {
      alignas(32) float w[kBlock] = {};
      for (int i = 0; i < nb; ++i) w[i] = e[h * e_stride + j + i];
      __m256 wv = _mm256_mul_ps(_mm256_load_ps(w), _mm256_set1_ps(c[h]));
      if (kv.f16) wv = _mm256_cvtph_ps(_mm256_cvtps_ph(wv, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
      _mm256_store_ps(w, wv);
      for (int d0 = 0; d0 < head_dim; d0 += 64) {
        const int nd = std::min(64, head_dim - d0) / 8;
        float* oh = o + h * head_dim + d0;
        __m256 acc[8];
        for (int b = 0; b < nd; ++b) acc[b] = _mm256_loadu_ps(oh + 8 * b);
        for (int i = 0; i < nb; ++i) {
          const __m256 wi = _mm256_set1_ps(w[i]);
          for (int b = 0; b < nd; ++b) acc[b] = _mm256_fmadd_ps(wi, _mm256_load_ps(tile + i * head_dim + d0 + 8 * b), acc[b]);
        }
        for (int b = 0; b < nd; ++b) _mm256_storeu_ps(oh + 8 * b, acc[b]);
      }
    }
  }
}

namespace {
bool avx2_fits(int n_q, int head_dim) { return head_dim % 8 == 0 && head_dim <= kMaxPartialDim && n_q <= kMaxHeads; }
}  // namespace

void attend_scores(const float* q, int n_q, const KvLayerView& kv, int kv_head, int head_dim, int64_t p_begin,
                   int64_t p_end, float scale, float cap, float* e, int64_t e_stride, float* m, double* l) {
  if (avx2_fits(n_q, head_dim)) {
    attend_scores_avx2(q, n_q, kv, kv_head, head_dim, p_begin, p_end, scale, cap, e, e_stride, m, l);
  } else {
    attend_scores_ref(q, n_q, kv, kv_head, head_dim, p_begin, p_end, scale, cap, e, e_stride, m, l);
  }
}

void attend_values(const float* e, int64_t e_stride, const float* c, int n_q, const KvLayerView& kv,
                   int kv_head, int head_dim, int64_t p_begin, int64_t p_end, float* o) {
  if (avx2_fits(n_q, head_dim)) {
    attend_values_avx2(e, e_stride, c, n_q, kv, kv_head, head_dim, p_begin, p_end, o);
  } else {
    attend_values_ref(e, e_stride, c, n_q, kv, kv_head, head_dim, p_begin, p_end, o);
  }
}

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
  double sum = 0;
  exp_shifted(scores, n, sum);
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t j = 0; j < n; ++j) scores[j] *= inv;
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
