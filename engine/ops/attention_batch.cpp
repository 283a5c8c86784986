// Tiled batched attention (see attention_batch.hpp): Q.K^T and P.V on f32 tiles converted from the cache,
// by ops::gemm_avx512 where the CPU has AVX-512 (else OpenBLAS sgemm); AVX2+FMA+F16C (the baseline ISA)
// for the conversions and the online softmax.
#include <cblas.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/ops/attention_batch.hpp"
#include "engine/ops/exp_avx2.hpp"
#include "engine/ops/gemm.hpp"
#include "engine/ops/quant.hpp"

namespace hayloft::engine::ops {
namespace {

// Query rows (tokens x heads of the group) per item: the more rows share a K/V tile, the less conversion
// and packing per FLOP (128 -> 256 rows, with the vectorized scale/max: 6.3 -> 4.5 CPU ms per token on a
// 4K-token SmolLM2 prompt); few enough that a 512-token batch still makes 8-18 items for the threads.
constexpr int64_t kRows = 256;
// Keys per tile: S [rows, kKeys] and K, V tiles [kKeys, head_dim] f32 stay in L2 (head_dim 256: 512 KiB).
constexpr int64_t kKeys = 256;

int64_t group_of(const BatchAttnArgs& a) { return a.n_head / a.n_head_kv; }
int64_t block_tokens(const BatchAttnArgs& a) { return std::max<int64_t>(1, kRows / group_of(a)); }
int64_t n_blocks(const BatchAttnArgs& a) { return (a.n_tokens + block_tokens(a) - 1) / block_tokens(a); }
int64_t round16(int64_t n) { return (n + 15) / 16 * 16; }  // keeps each scratch array 64-byte aligned

inline __m256 round_f16_8(__m256 x) {
  return _mm256_cvtph_ps(_mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
inline float round_f16(float x) { return f16_to_f32(f32_to_f16(x)); }

// dst[n] f32 <- one cache row (f16 or f32) of n elements.
void load_row(const void* base, int64_t slot, int64_t kv_dim, int64_t offset, bool f16, int n, float* dst) {
  const int64_t elem = slot * kv_dim + offset;
  if (!f16) {
    std::copy_n(static_cast<const float*>(base) + elem, n, dst);
    return;
  }
  const uint16_t* src = static_cast<const uint16_t*>(base) + elem;
  int d = 0;
  for (; d + 8 <= n; d += 8) {
    _mm256_storeu_ps(dst + d, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + d))));
  }
  for (; d < n; ++d) dst[d] = f16_to_f32(src[d]);
}

// One score row over tile columns [ja, jb) (the rest is masked): scale, soft-cap, online-softmax update of
// the row's running max m and sum l, rescale of its output row o[hd]; leaves P (f16-rounded for an f16
// cache) in s[0, ncols) with zeros outside [ja, jb).
void softmax_row(float* s, int64_t ja, int64_t jb, int64_t ncols, const BatchAttnArgs& a, bool f16, float& m,
                 float& l, float* o) {
  if (ja >= jb) {
    std::fill_n(s, ncols, 0.0f);
    return;
  }
  float mx = -std::numeric_limits<float>::infinity();
  if (a.cap > 0) {  // soft-capped architectures only (scalar tanh)
    for (int64_t j = ja; j < jb; ++j) {
      s[j] = a.cap * std::tanh(s[j] * a.scale / a.cap);
      mx = std::max(mx, s[j]);
    }
  } else {
    const __m256 sc = _mm256_set1_ps(a.scale);
    __m256 mx8 = _mm256_set1_ps(mx);
    int64_t j = ja;
    for (; j + 8 <= jb; j += 8) {
      const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(s + j), sc);
      _mm256_storeu_ps(s + j, v);
      mx8 = _mm256_max_ps(mx8, v);
    }
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, mx8);
    for (float v : lanes) mx = std::max(mx, v);
    for (; j < jb; ++j) {
      s[j] *= a.scale;
      mx = std::max(mx, s[j]);
    }
  }
  const float m_new = std::max(m, mx);
  const float alpha = std::exp(m - m_new);  // m = -inf on the first visible tile: alpha = 0, l = 0, o = 0
  if (alpha != 1.0f) {
    for (int d = 0; d < a.head_dim; ++d) o[d] *= alpha;
  }
  const __m256 mv = _mm256_set1_ps(m_new);
  __m256 sum8 = _mm256_setzero_ps();
  int64_t j = ja;
  for (; j + 8 <= jb; j += 8) {
    const __m256 p = exp8(_mm256_sub_ps(_mm256_loadu_ps(s + j), mv));
    sum8 = _mm256_add_ps(sum8, p);
    _mm256_storeu_ps(s + j, f16 ? round_f16_8(p) : p);
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, sum8);
  float sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  for (; j < jb; ++j) {
    const float p = std::exp(s[j] - m_new);
    sum += p;
    s[j] = f16 ? round_f16(p) : p;
  }
  std::fill(s, s + ja, 0.0f);
  std::fill(s + jb, s + ncols, 0.0f);
  l = l * alpha + sum;
  m = m_new;
}

// V [nk, hd] -> ops::gemm packing of V^T (head dims as rows, keys as columns): panel p holds, for each key
// j, dims 32p..32p+31 of V's row j, which are contiguous already; dims past hd are zero.
void pack_v(const float* v, int64_t nk, int64_t hd, float* packed) {
  for (int64_t d0 = 0; d0 < hd; d0 += 32) {
    const int64_t nd = std::min<int64_t>(32, hd - d0);
    float* panel = packed + d0 * nk;
    for (int64_t j = 0; j < nk; ++j) {
      std::copy_n(v + j * hd + d0, nd, panel + j * 32);
      std::fill_n(panel + j * 32 + nd, 32 - nd, 0.0f);
    }
  }
}

}  // namespace

int64_t attend_batch_items(const BatchAttnArgs& a) { return n_blocks(a) * a.n_head_kv; }

size_t attend_batch_scratch_floats(const BatchAttnArgs& a) {
  const int64_t rows = round16(block_tokens(a) * group_of(a));
  const int64_t hd = round16(a.head_dim), hd32 = (a.head_dim + 31) / 32 * 32;
  // Q and O [rows, hd]; S [rows, kKeys]; K and V tiles [kKeys, hd]; packed K and V for ops::gemm_avx512
  // [kKeys, hd32]; m and l [rows].
  return static_cast<size_t>(2 * rows * hd + rows * kKeys + 2 * kKeys * hd + 2 * kKeys * hd32 + 2 * rows);
}

void attend_batch_item(const BatchAttnArgs& a, const KvLayerView& kv, int64_t item, float* scratch) {
  const int64_t group = group_of(a), bt = block_tokens(a), hd = a.head_dim, hd_pad = round16(hd);
  const int64_t hd32 = (hd + 31) / 32 * 32;
  const int64_t kvh = item % a.n_head_kv;
  const int64_t t0 = (n_blocks(a) - 1 - item / a.n_head_kv) * bt;  // last block first
  const int64_t t1 = std::min(t0 + bt, a.n_tokens);
  const int64_t rows = (t1 - t0) * group, rows_pad = round16(bt * group);
  const bool own = !a.blas && detect_isa() == Isa::kAvx512;
  float* Q = scratch;                      // [rows, hd] row r: token t0 + r / group, head kvh*group + r % group
  float* O = Q + rows_pad * hd_pad;        // [rows, hd]
  float* S = O + rows_pad * hd_pad;        // [rows, kKeys]
  float* K = S + rows_pad * kKeys;         // [kKeys, hd]
  float* V = K + kKeys * hd_pad;           // [kKeys, hd]
  float* Kp = V + kKeys * hd_pad;          // K packed: keys are the GEMM's rows, head dims its columns
  float* Vp = Kp + kKeys * hd32;           // V packed: head dims are the rows, keys the columns
  float* M = Vp + kKeys * hd32;            // [rows] running max
  float* L = M + rows_pad;                 // [rows] running sum

  for (int64_t r = 0; r < rows; ++r) {
    const float* src = a.q + (t0 + r / group) * a.q_stride + (kvh * group + r % group) * hd;
    int64_t d = 0;
    for (; kv.f16 && d + 8 <= hd; d += 8) _mm256_storeu_ps(Q + r * hd + d, round_f16_8(_mm256_loadu_ps(src + d)));
    for (; d < hd; ++d) Q[r * hd + d] = kv.f16 ? round_f16(src[d]) : src[d];
  }
  std::fill_n(O, rows * hd, 0.0f);
  std::fill_n(M, rows, -std::numeric_limits<float>::infinity());
  std::fill_n(L, rows, 0.0f);

  // Keys any query of the block sees: [lo, hi).
  auto first_key = [&](int64_t p) {
    if (a.chunk > 0) return p / a.chunk * a.chunk;
    return a.window > 0 ? std::max<int64_t>(0, p - a.window + 1) : int64_t{0};
  };
  const int64_t lo = first_key(a.pos + t0), hi = a.pos + t1;
  const int64_t offset = kvh * hd;
  for (int64_t j0 = lo; j0 < hi; j0 += kKeys) {
    const int64_t nk = std::min(kKeys, hi - j0);
    for (int64_t j = 0; j < nk; ++j) {
      const int64_t slot = (j0 + j) % kv.cap;
      load_row(kv.k, slot, kv.kv_dim, offset, kv.f16, static_cast<int>(hd), K + j * hd);
      load_row(kv.v, slot, kv.kv_dim, offset, kv.f16, static_cast<int>(hd), V + j * hd);
    }
    if (own) {
      gemm_pack_w(K, nk, hd, Kp);
      pack_v(V, nk, hd, Vp);
      gemm_avx512(Q, hd, rows, hd, Kp, nk, S, kKeys, false);  // S[rows, nk] = Q . K^T
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows), static_cast<int>(nk),
                  static_cast<int>(hd), 1.0f, Q, static_cast<int>(hd), K, static_cast<int>(hd), 0.0f, S,
                  static_cast<int>(kKeys));
    }
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t p = a.pos + t0 + r / group;
      const int64_t ja = std::max(first_key(p), j0) - j0, jb = std::min(p + 1, j0 + nk) - j0;
      if (own && a.cap <= 0) {
        attend_softmax_row_avx512(S + r * kKeys, ja, jb, nk, a.scale, kv.f16, M[r], L[r], O + r * hd, a.head_dim);
      } else {
        softmax_row(S + r * kKeys, ja, jb, nk, a, kv.f16, M[r], L[r], O + r * hd);
      }
    }
    if (own) {
      gemm_avx512(S, kKeys, rows, nk, Vp, hd, O, hd, true);  // O[rows, hd] += P[rows, nk] . V[nk, hd]
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(rows), static_cast<int>(hd),
                  static_cast<int>(nk), 1.0f, S, static_cast<int>(kKeys), V, static_cast<int>(hd), 1.0f, O,
                  static_cast<int>(hd));
    }
  }

  for (int64_t r = 0; r < rows; ++r) {
    float* dst = a.out + (t0 + r / group) * a.q_stride + (kvh * group + r % group) * hd;
    const float inv = 1.0f / L[r];  // every query sees at least its own key: L[r] > 0
    for (int64_t d = 0; d < hd; ++d) dst[d] = O[r * hd + d] * inv;
  }
}

}  // namespace hayloft::engine::ops
