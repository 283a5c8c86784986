// AVX2 (+FMA, F16C) kernels. Dots keep exact int32 sums per block, as the reference does, and only the
// float combination of blocks differs (vector lanes, FMA), which the tests bound. Dequantize and
// quantize_act reproduce the reference bit for bit (same operations, no FMA contraction).
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "engine/ops/quant_impl.hpp"
#include "engine/ops/quant_traits.hpp"
#include "engine/ops/quant_x86.hpp"

namespace hayloft::engine::ops {
namespace {

// 32 int8 (signed or unsigned) -> 4x8 floats, y = d*q (+ m), stored to y[0..32).
template <bool kSigned, bool kMin>
void store_scaled(__m256i q, float d, float m, float* y) {
  const __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
  const __m128i bytes[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};  // 8 quants each
  const __m256 vd = _mm256_set1_ps(d), vm = _mm256_set1_ps(m);
  for (int k = 0; k < 4; ++k) {
    const __m256i i32 = kSigned ? _mm256_cvtepi8_epi32(bytes[k]) : _mm256_cvtepu8_epi32(bytes[k]);
    __m256 v = _mm256_mul_ps(vd, _mm256_cvtepi32_ps(i32));
    if constexpr (kMin) v = _mm256_add_ps(v, vm);
    _mm256_storeu_ps(y + 8 * k, v);
  }
}

template <TT T>
void dequantize_32(const void* src, float* dst, int64_t n) {
  using Tr = BlockTraits<T>;
  const auto* w = static_cast<const typename Tr::Block*>(src);
  for (int64_t b = 0; b < n / kQK; ++b) {
    const float d = _cvtsh_ss(w[b].d);
    if constexpr (Tr::kHasMin)
      store_scaled<false, true>(unpack<T>(w[b]), d, _cvtsh_ss(w[b].m), dst + b * kQK);
    else
      store_scaled<true, false>(unpack<T>(w[b]), d, 0.0f, dst + b * kQK);
  }
}

// ---- activation quantizers (bit-identical to the reference) ----

const __m256 kAbsMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));

// max |x| over 8k floats; NaN if any is NaN or inf.
float amax_or_nan(const float* x, int n) {
  __m256 mx = _mm256_setzero_ps();
  __m256 bad = _mm256_setzero_ps();
  const __m256 inf = _mm256_set1_ps(INFINITY);
  for (int j = 0; j < n; j += 8) {
    const __m256 ax = _mm256_and_ps(_mm256_loadu_ps(x + j), kAbsMask);
    bad = _mm256_or_ps(bad, _mm256_cmp_ps(ax, inf, _CMP_NLT_UQ));  // inf or NaN
    mx = _mm256_max_ps(mx, ax);
  }
  if (_mm256_movemask_ps(bad) != 0) return NAN;
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

// Rounds 32 floats times `scale` to nearest-even int8 (|result| <= 127 by construction), returns their sum.
int round_32(const float* x, __m256 scale, int8_t* out) {
  __m256i i[4];
  for (int k = 0; k < 4; ++k) i[k] = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), scale));
  const int sum = hsum_i32(_mm256_add_epi32(_mm256_add_epi32(i[0], i[1]), _mm256_add_epi32(i[2], i[3])));
  // packs work per 128-bit lane: fix the order with a dword permute.
  const __m256i p16a = _mm256_packs_epi32(i[0], i[1]), p16b = _mm256_packs_epi32(i[2], i[3]);
  const __m256i p8 = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(p16a, p16b),
                                                 _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), p8);
  return sum;
}

template <bool kWithSum>
void quantize_q8_32(const float* x, void* dst, int64_t n) {
  using Block = std::conditional_t<kWithSum, BlockQ8_1, BlockQ8_0>;
  auto* y = static_cast<Block*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    Block out;
    const float amax = amax_or_nan(x, kQK);
    const float d = amax / 127.0f;
    int sum = 0;
    if (std::isnan(amax))
      std::memset(out.qs, 0, sizeof out.qs);
    else
      sum = round_32(x, _mm256_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f), out.qs);
    out.d = float_to_half(d);
    if constexpr (kWithSum) out.s = float_to_half(d * float(sum));
    std::memcpy(&y[b], &out, sizeof out);
  }
}

void quantize_q8_k(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_K*>(dst);
  for (int64_t b = 0; b < n / kQKK; ++b, x += kQKK) {
    BlockQ8_K out;
    std::memset(&out, 0, sizeof out);
    const float amax = amax_or_nan(x, kQKK);
    if (std::isnan(amax)) {
      out.d = NAN;
    } else if (amax != 0.0f) {
      int j = 0;
      while (std::fabs(x[j]) != amax) ++j;  // first element of largest magnitude, as the reference
      const float iscale = -127.0f / x[j];
      // -127/max * x lies in [-127, 127] except by rounding, where the reference clamps to 127 only
      for (int k = 0; k < kQKK; k += 32) {
        int8_t* q = out.qs + k;
        round_32(x + k, _mm256_set1_ps(iscale), q);
      }
      for (int g = 0; g < 16; ++g) {
        const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(out.qs + 16 * g));
        const __m256i w = _mm256_cvtepi8_epi16(q);
        out.bsums[g] = int16_t(hsum_i32(_mm256_madd_epi16(w, _mm256_set1_epi16(1))));
      }
      out.d = 1.0f / iscale;
    }
    std::memcpy(&y[b], &out, sizeof out);
  }
}

// ---- K-quants ----

template <bool kFive>
void dequantize_q45_k(const void* src, float* dst, int64_t n) {
  using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
  const auto* w = static_cast<const Block*>(src);
  const __m256i m4 = _mm256_set1_epi8(0x0f), one = _mm256_set1_epi8(1);
  for (int64_t b = 0; b < n / kQKK; ++b) {
    const KScales s = k_scales(w[b].scales);
    const float d = _cvtsh_ss(w[b].d), dmin = _cvtsh_ss(w[b].dmin);
    __m256i qh = _mm256_setzero_si256();
    if constexpr (kFive) qh = load32(w[b].qh);
    float* y = dst + b * kQKK;
    for (int c = 0; c < 4; ++c) {
      const __m256i q = load32(w[b].qs + 32 * c);
      __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
      if constexpr (kFive) {
        lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(qh, one), 4));
        hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 1), one), 4));
        qh = _mm256_srli_epi16(qh, 2);
      }
      // y = d1*q - m1 written as d1*q + (-m1): the same single rounding as the reference's subtraction
      store_scaled<false, true>(lo, d * float(s.sc[2 * c]), -(dmin * float(s.m[2 * c])), y + 64 * c);
      store_scaled<false, true>(hi, d * float(s.sc[2 * c + 1]), -(dmin * float(s.m[2 * c + 1])), y + 64 * c + 32);
    }
  }
}

void dequantize_q6_k(const void* src, float* dst, int64_t n) {
  const auto* w = static_cast<const BlockQ6_K*>(src);
  for (int64_t b = 0; b < n / kQKK; ++b) {
    const float d = _cvtsh_ss(w[b].d);
    for (int h = 0; h < 2; ++h) {
      __m256i q[4];
      q6_runs(w[b], h, q);
      for (int k = 0; k < 4; ++k) {
        const __m256i qs = _mm256_sub_epi8(q[k], _mm256_set1_epi8(32));
        float* y = dst + b * kQKK + 128 * h + 32 * k;
        const int8_t* sc = w[b].scales + 8 * h + 2 * k;
        float tmp[32];
        store_scaled<true, false>(qs, 1.0f, 0.0f, tmp);  // exact int -> float
        const __m256 d0 = _mm256_set1_ps(d * float(sc[0])), d1 = _mm256_set1_ps(d * float(sc[1]));
        for (int j = 0; j < 4; ++j)
          _mm256_storeu_ps(y + 8 * j, _mm256_mul_ps(j < 2 ? d0 : d1, _mm256_loadu_ps(tmp + 8 * j)));
      }
    }
  }
}

// ---- float weights ----

// Converts 8 weights at element i to floats.
template <TT T> __m256 load8(const uint8_t* p, int64_t i);
template <> __m256 load8<TT::kF32>(const uint8_t* p, int64_t i) {
  return _mm256_loadu_ps(reinterpret_cast<const float*>(p + 4 * i));
}
template <> __m256 load8<TT::kF16>(const uint8_t* p, int64_t i) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 2 * i)));
}
template <> __m256 load8<TT::kBF16>(const uint8_t* p, int64_t i) {
  const __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 2 * i)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(h, 16));
}
template <TT T> float load1(const uint8_t* p, int64_t i) {
  float f;
  ref_kernels(T)->dequantize(p + (T == TT::kF32 ? 4 : 2) * i, &f, 1);
  return f;
}

template <TT T>
float dot_float(const void* row, const void* act, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(row);
  const auto* x = static_cast<const float*>(act);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 4; ++k)
      acc[k] = _mm256_fmadd_ps(load8<T>(p, i + 8 * k), _mm256_loadu_ps(x + i + 8 * k), acc[k]);
  for (; i + 8 <= n; i += 8) acc[0] = _mm256_fmadd_ps(load8<T>(p, i), _mm256_loadu_ps(x + i), acc[0]);
  float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
  for (; i < n; ++i) {
    float xi;  // act is a byte buffer (quantize_act output), possibly not float-aligned
    std::memcpy(&xi, x + i, 4);
    sum += load1<T>(p, i) * xi;
  }
  return sum;
}

template <TT T>
void dequantize_float(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, load8<T>(p, i));
  for (; i < n; ++i) dst[i] = load1<T>(p, i);
}

void copy_f32(const float* x, void* dst, int64_t n) {
  if (n > 0) std::memcpy(dst, x, size_t(n) * sizeof(float));  // n = 0 may come with null pointers
}

// Two rows in flight: AVX2's 16 registers hold 2 x 3 accumulators plus the operands.
template <TT T>
constexpr TypeKernels k32{T, BlockTraits<T>::kAct, dequantize_32<T>,
                          BlockTraits<T>::kAct == TT::kQ8_1 ? quantize_q8_32<true> : quantize_q8_32<false>,
                          dot_32<T, false>, matvec_32<T, false, 2>};
template <TT T>
constexpr TypeKernels kfloat{T, TT::kF32, dequantize_float<T>, copy_f32, dot_float<T>, matvec_by_dot<dot_float<T>>};
template <float (*kDot)(const void*, const void*, int64_t)>
constexpr TypeKernels kk(TT t, void (*dequant)(const void*, float*, int64_t)) {
  return {t, TT::kQ8_K, dequant, quantize_q8_k, kDot, matvec_by_dot<kDot>};
}

const TypeKernels kAvx2[] = {
    kfloat<TT::kF32>, kfloat<TT::kF16>, kfloat<TT::kBF16>,
    k32<TT::kQ4_0>, k32<TT::kQ4_1>, k32<TT::kQ5_0>, k32<TT::kQ5_1>, k32<TT::kQ8_0>,
    kk<dot_q45_k<false, false>>(TT::kQ4_K, dequantize_q45_k<false>),
    kk<dot_q45_k<true, false>>(TT::kQ5_K, dequantize_q45_k<true>),
    kk<dot_q6_k<false>>(TT::kQ6_K, dequantize_q6_k),
};

}  // namespace

// Q8_1 and Q8_K are activation formats, not weights: their rows use the reference.
const TypeKernels* avx2_kernels(TensorType type) {
  for (const auto& k : kAvx2)
    if (k.type == type) return &k;
  return nullptr;
}

}  // namespace hayloft::engine::ops
