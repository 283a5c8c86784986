// AVX-512 (F/BW/VL/DQ) kernels; with AVX512-VNNI (picked at run time by quant.cpp) the integer dots use
// VPDPBUSD / VPDPWSSD. Compiled with AVX-512 flags: nothing here may run before CPUID said so.
// Measured on this Xeon (bench/kernels_bench, in-cache 256x4096): integer dots are fastest at 256 bits
// with VNNI (+10..30% over AVX2); 512-bit versions that paired two blocks per register were slower than
// AVX2 (lane shuffles and scale broadcasts per block), so they were dropped. Float dots use 512 bits.
// Without VNNI the integer dots, and always dequantize and quantize_act, are the AVX2 ones.
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
    using Dot = float (*)(const void*, const void*, int64_t);
    using Matvec = void (*)(const void*, size_t, const void*, float*, int64_t, int64_t);
    auto from = [](TT t, Dot dot, Matvec matvec) {
      const TypeKernels* base = avx2_kernels(t);  // dequantize + quantize_act
      return TypeKernels{t, base->act_type, base->dequantize, base->quantize_act, dot, matvec};
    };
    // 32-block types: four rows in flight (32 registers hold their 12 accumulators), with VNNI or with
    // the AVX2 byte products (then compiled here with AVX-512 flags, for the extra registers).
    auto from32 = [&](auto tag) {
      constexpr TT t = decltype(tag)::value;
      constexpr bool kV = kVnni && t != TT::kQ8_0;
      return from(t, dot_32<t, kV>, matvec_32<t, kV, 4>);
    };
    auto avx2 = [&](TT t) { return from(t, avx2_kernels(t)->dot, avx2_kernels(t)->matvec); };
    int i = 0;
    k[i++] = from(TT::kF32, dot_float<TT::kF32>, matvec_by_dot<dot_float<TT::kF32>>);
    k[i++] = from(TT::kF16, dot_float<TT::kF16>, matvec_by_dot<dot_float<TT::kF16>>);
    k[i++] = from(TT::kBF16, dot_float<TT::kBF16>, matvec_by_dot<dot_float<TT::kBF16>>);
    k[i++] = from32(std::integral_constant<TT, TT::kQ4_0>{});
    k[i++] = from32(std::integral_constant<TT, TT::kQ4_1>{});
    k[i++] = from32(std::integral_constant<TT, TT::kQ5_0>{});
    k[i++] = from32(std::integral_constant<TT, TT::kQ5_1>{});
    // Q8_0: VPDPBUSD measured ~20% slower than maddubs + madd here (20 vs 25 GB/s in cache), keep the
    // AVX2 byte products (from32 turns VNNI off for it).
    k[i++] = from32(std::integral_constant<TT, TT::kQ8_0>{});
    k[i++] = kVnni ? from(TT::kQ4_K, dot_q45_k<false, true>, matvec_by_dot<dot_q45_k<false, true>>) :
                   avx2(TT::kQ4_K);
    k[i++] = kVnni ? from(TT::kQ5_K, dot_q45_k<true, true>, matvec_by_dot<dot_q45_k<true, true>>) :
                   avx2(TT::kQ5_K);
    k[i++] = kVnni ? from(TT::kQ6_K, dot_q6_k<true>, matvec_by_dot<dot_q6_k<true>>) :
                   avx2(TT::kQ6_K);
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
