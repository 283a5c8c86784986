// AVX-512 (F/BW/VL/DQ) kernels, with VPDPBUSD when the CPU has AVX512-VNNI (a template flag, picked at
// run time by quant.cpp). Compiled with AVX-512 flags: nothing here may run before CPUID said so.
// Dots work on 64 bytes at a time: two 32-blocks, or two 32-element runs of a K-quant super-block, each
// half of the 512-bit register keeping its own int32 lanes so per-block scales apply lane-wise.
// Dequantize and quantize_act reuse the AVX2 versions (memory-bound, already bit-exact).
// GCC 12's AVX-512 headers trip -W(maybe-)uninitialized on their own "undefined" placeholders (GCC PR
// 105593, fixed in 13); the warnings point into avx512fintrin.h, not at this code.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "engine/ops/quant_impl.hpp"
#include "engine/ops/quant_traits.hpp"
#include "engine/ops/quant_x86.hpp"

namespace hayloft::engine::ops {
namespace {

__m512i concat(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }
__m512 concat_ps(float lo, float hi) {
  return _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_set1_ps(lo)), _mm256_set1_ps(hi), 1);
}
__m512i load64(const void* p) { return _mm512_loadu_si512(p); }

// Sums of 4 adjacent u8*s8 products into 16 int32 lanes.
template <bool kVnni>
__m512i dot_u8s8(__m512i u, __m512i s) {
  if constexpr (kVnni) {
    return _mm512_dpbusd_epi32(_mm512_setzero_si512(), u, s);
  } else {
    return _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), _mm512_set1_epi16(1));
  }
}

// Signed weights: |w| as unsigned times a with w's sign (a is never -128: quantize_act clamps to 127).
template <bool kVnni>
__m512i dot_s8s8(__m512i w, __m512i a) {
  const __mmask64 neg = _mm512_movepi8_mask(w);
  return dot_u8s8<kVnni>(_mm512_abs_epi8(w), _mm512_mask_sub_epi8(a, neg, _mm512_setzero_si512(), a));
}

template <TT T, bool kVnni>
float dot_32(const void* row, const void* act, int64_t n) {
  using Tr = BlockTraits<T>;
  using ActBlock = std::conditional_t<Tr::kAct == TT::kQ8_1, BlockQ8_1, BlockQ8_0>;
  const auto* w = static_cast<const typename Tr::Block*>(row);
  const auto* a = static_cast<const ActBlock*>(act);
  __m512 acc = _mm512_setzero_ps();
  float min_sum = 0.0f;
  const int64_t nb = n / kQK;
  for (int64_t b = 0; b < nb; b += 2) {
    const bool pair = b + 1 < nb;  // an odd last block runs with a zero partner
    const __m256i zero = _mm256_setzero_si256();
    const __m512i wq = concat(unpack<T>(w[b]), pair ? unpack<T>(w[b + 1]) : zero);
    const __m512i aq = concat(load32(a[b].qs), pair ? load32(a[b + 1].qs) : zero);
    __m512i s;
    if constexpr (Tr::kHasMin)
      s = dot_u8s8<kVnni>(wq, aq);
    else
      s = dot_s8s8<kVnni>(wq, aq);
    const float d0 = _cvtsh_ss(w[b].d) * _cvtsh_ss(a[b].d);
    const float d1 = pair ? _cvtsh_ss(w[b + 1].d) * _cvtsh_ss(a[b + 1].d) : 0.0f;
    acc = _mm512_fmadd_ps(concat_ps(d0, d1), _mm512_cvtepi32_ps(s), acc);
    if constexpr (Tr::kHasMin) {
      min_sum += _cvtsh_ss(w[b].m) * _cvtsh_ss(a[b].s);
      if (pair) min_sum += _cvtsh_ss(w[b + 1].m) * _cvtsh_ss(a[b + 1].s);
    }
  }
  return _mm512_reduce_add_ps(acc) + min_sum;
}

// 16 int32 lanes times per-lane int32 scales: VNNI sums are int32 already, so scale with a multiply.
template <bool kVnni>
__m512i scaled_u8s8(__m512i u, __m512i s, __m512i scales32, __m512i scales16) {
  if constexpr (kVnni) {
    return _mm512_mullo_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), u, s), scales32);
  } else {
    return _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), scales16);  // scale the int16 pair sums
  }
}

// Per-lane scale vectors for two 32-element runs with scales s0 (first 256 bits) and s1.
__m512i split32(int s0, int s1) { return concat(_mm256_set1_epi32(s0), _mm256_set1_epi32(s1)); }
__m512i split16(int s0, int s1) {
  return concat(_mm256_set1_epi16(int16_t(s0)), _mm256_set1_epi16(int16_t(s1)));
}

template <bool kFive, bool kVnni>
float dot_q45_k(const void* row, const void* act, int64_t n) {
  using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
  const auto* w = static_cast<const Block*>(row);
  const auto* a = static_cast<const BlockQ8_K*>(act);
  const __m256i m4 = _mm256_set1_epi8(0x0f), one = _mm256_set1_epi8(1);
  __m512 acc = _mm512_setzero_ps();
  float acc_m = 0.0f;
  for (int64_t b = 0; b < n / kQKK; ++b) {
    const KScales s = k_scales(w[b].scales);
    __m256i qh = _mm256_setzero_si256();
    if constexpr (kFive) qh = load32(w[b].qh);
    __m512i sumi = _mm512_setzero_si512();
    for (int c = 0; c < 4; ++c) {
      const __m256i q = load32(w[b].qs + 32 * c);
      __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
      if constexpr (kFive) {
        lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(qh, one), 4));
        hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 1), one), 4));
        qh = _mm256_srli_epi16(qh, 2);
      }
      // elements 64c..64c+63 in order: low nibbles (sub-block 2c) then high nibbles (2c+1)
      const int s0 = s.sc[2 * c], s1 = s.sc[2 * c + 1];
      sumi = _mm512_add_epi32(sumi, scaled_u8s8<kVnni>(concat(lo, hi), load64(a[b].qs + 64 * c),
                                                       split32(s0, s1), split16(s0, s1)));
    }
    acc = _mm512_fmadd_ps(_mm512_set1_ps(a[b].d * _cvtsh_ss(w[b].d)), _mm512_cvtepi32_ps(sumi), acc);
    acc_m += a[b].d * _cvtsh_ss(w[b].dmin) * float(k_min_sum(s, a[b]));
  }
  return _mm512_reduce_add_ps(acc) - acc_m;
}

// Q6_K: runs k and k+1 of a half are contiguous in the activations and use scales sc[2k .. 2k+3], one per
// 16 elements, i.e. per quarter of the 512-bit register.
template <bool kVnni>
float dot_q6_k(const void* row, const void* act, int64_t n) {
  const auto* w = static_cast<const BlockQ6_K*>(row);
  const auto* a = static_cast<const BlockQ8_K*>(act);
  __m512 acc = _mm512_setzero_ps();
  for (int64_t b = 0; b < n / kQKK; ++b) {
    int offset = 0;
    for (int g = 0; g < 16; ++g) offset += w[b].scales[g] * load_bsum(a[b], g);
    __m512i sumi = _mm512_setzero_si512();
    for (int h = 0; h < 2; ++h) {
      __m256i q[4];
      q6_runs(w[b], h, q);
      for (int k = 0; k < 4; k += 2) {
        const int8_t* sc = w[b].scales + 8 * h + 2 * k;
        const __m512i s32 = _mm512_setr_epi32(sc[0], sc[0], sc[0], sc[0], sc[1], sc[1], sc[1], sc[1],
                                              sc[2], sc[2], sc[2], sc[2], sc[3], sc[3], sc[3], sc[3]);
        const __m512i s16 = concat(_mm256_set_m128i(_mm_set1_epi16(sc[1]), _mm_set1_epi16(sc[0])),
                                   _mm256_set_m128i(_mm_set1_epi16(sc[3]), _mm_set1_epi16(sc[2])));
        sumi = _mm512_add_epi32(sumi, scaled_u8s8<kVnni>(concat(q[k], q[k + 1]),
                                                         load64(a[b].qs + 128 * h + 32 * k), s32, s16));
      }
    }
    const int total = _mm512_reduce_add_epi32(sumi) - 32 * offset;
    acc = _mm512_fmadd_ps(_mm512_set1_ps(a[b].d * _cvtsh_ss(w[b].d)), _mm512_set1_ps(float(total)), acc);
  }
  return _mm512_reduce_add_ps(acc) / 16.0f;  // every lane holds the block sum: exact division by 16
}

// ---- float weights ----
template <TT T> __m512 load16(const uint8_t* p, int64_t i);
template <> __m512 load16<TT::kF32>(const uint8_t* p, int64_t i) {
  return _mm512_loadu_ps(p + 4 * i);
}
template <> __m512 load16<TT::kF16>(const uint8_t* p, int64_t i) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 2 * i)));
}
template <> __m512 load16<TT::kBF16>(const uint8_t* p, int64_t i) {
  const __m512i h = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 2 * i)));
  return _mm512_castsi512_ps(_mm512_slli_epi32(h, 16));
}

// Tails use a masked load of the remaining activations and weights (no reads past the row).
template <TT T>
__m512 load16_masked(const uint8_t* p, int64_t i, __mmask16 m) {
  if constexpr (T == TT::kF32) {
    return _mm512_maskz_loadu_ps(m, p + 4 * i);
  } else {
    const __m256i h = _mm256_maskz_loadu_epi16(m, p + 2 * i);
    if constexpr (T == TT::kF16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
}

template <TT T>
float dot_float(const void* row, const void* act, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(row);
  const auto* x = static_cast<const float*>(act);
  __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
  int64_t i = 0;
  for (; i + 64 <= n; i += 64)
    for (int k = 0; k < 4; ++k)
      acc[k] = _mm512_fmadd_ps(load16<T>(p, i + 16 * k), _mm512_loadu_ps(x + i + 16 * k), acc[k]);
  for (; i + 16 <= n; i += 16) acc[0] = _mm512_fmadd_ps(load16<T>(p, i), _mm512_loadu_ps(x + i), acc[0]);
  if (i < n) {
    const __mmask16 m = __mmask16((1u << (n - i)) - 1);
    acc[1] = _mm512_fmadd_ps(load16_masked<T>(p, i, m), _mm512_maskz_loadu_ps(m, x + i), acc[1]);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
}

template <bool kVnni>
struct Table {
  TypeKernels k[11];
  Table() {
    auto from = [](TT t, auto dot) {
      const TypeKernels* base = avx2_kernels(t);  // dequantize + quantize_act
      return TypeKernels{t, base->act_type, base->dequantize, base->quantize_act, dot};
    };
    int i = 0;
    k[i++] = from(TT::kF32, dot_float<TT::kF32>);
    k[i++] = from(TT::kF16, dot_float<TT::kF16>);
    k[i++] = from(TT::kBF16, dot_float<TT::kBF16>);
    k[i++] = from(TT::kQ4_0, dot_32<TT::kQ4_0, kVnni>);
    k[i++] = from(TT::kQ4_1, dot_32<TT::kQ4_1, kVnni>);
    k[i++] = from(TT::kQ5_0, dot_32<TT::kQ5_0, kVnni>);
    k[i++] = from(TT::kQ5_1, dot_32<TT::kQ5_1, kVnni>);
    k[i++] = from(TT::kQ8_0, dot_32<TT::kQ8_0, kVnni>);
    k[i++] = from(TT::kQ4_K, dot_q45_k<false, kVnni>);
    k[i++] = from(TT::kQ5_K, dot_q45_k<true, kVnni>);
    k[i++] = from(TT::kQ6_K, dot_q6_k<kVnni>);
  }
};

template <bool kVnni>
const TypeKernels* find(TensorType type) {
  static const Table<kVnni> table;  // built on first use, after quant.cpp checked CPUID
  for (const auto& k : table.k)
    if (k.type == type) return &k;
  return nullptr;
}

}  // namespace

const TypeKernels* avx512_kernels(TensorType type, bool vnni) {
  return vnni ? find<true>(type) : find<false>(type);
}

}  // namespace hayloft::engine::ops
