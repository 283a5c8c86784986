#pragma once
// 256-bit helpers shared by quant_avx2.cpp and quant_avx512.cpp (engine/ops internal). Everything here has
// internal linkage on purpose: each including file compiles its own copy with its own ISA flags, so the
// linker can never hand the AVX2 file an AVX-512-compiled instance of an inline function.
#include <immintrin.h>

#include <type_traits>

#include "engine/ops/quant_traits.hpp"

namespace hayloft::engine::ops {
namespace {  // NOLINT(build/namespaces): see above

using TT = TensorType;

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline int hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

inline __m256i load32(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// 16 packed nibbles -> 32 bytes: low nibbles as elements 0..15, high nibbles as 16..31.
inline __m256i nibbles_32(const uint8_t* qs) {
  const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i m = _mm_set1_epi8(0x0f);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(q, 4), m), _mm_and_si128(q, m));
}

// 32 bits -> 32 bytes, byte j = 0x10 if bit j is set (the fifth bit of Q5 quants).
inline __m256i bits_to_0x10(uint32_t bits) {
  const __m256i shuf = _mm256_setr_epi64x(0x0000000000000000, 0x0101010101010101, 0x0202020202020202,
                                          0x0303030303030303);
  const __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(int(bits)), shuf);
  const __m256i bit = _mm256_set1_epi64x(int64_t(0x8040201008040201));
  const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(bytes, bit), bit);
  return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

// Integer quants of one 32-block as 32 bytes: signed for the symmetric types, unsigned for those with a min.
template <TT T> __m256i unpack(const typename BlockTraits<T>::Block& b);
template <> inline __m256i unpack<TT::kQ4_0>(const BlockQ4_0& b) {
  return _mm256_sub_epi8(nibbles_32(b.qs), _mm256_set1_epi8(8));
}
template <> inline __m256i unpack<TT::kQ4_1>(const BlockQ4_1& b) { return nibbles_32(b.qs); }
template <> inline __m256i unpack<TT::kQ5_0>(const BlockQ5_0& b) {
  const __m256i q = _mm256_or_si256(nibbles_32(b.qs), bits_to_0x10(load_qh32(b.qh)));
  return _mm256_sub_epi8(q, _mm256_set1_epi8(16));
}
template <> inline __m256i unpack<TT::kQ5_1>(const BlockQ5_1& b) {
  return _mm256_or_si256(nibbles_32(b.qs), bits_to_0x10(load_qh32(b.qh)));
}
template <> inline __m256i unpack<TT::kQ8_0>(const BlockQ8_0& b) { return load32(b.qs); }

struct KScales {
  int sc[8], m[8];
};
inline KScales k_scales(const uint8_t* packed) {
  KScales s;
  for (int j = 0; j < 8; ++j) k_scale_min(j, packed, &s.sc[j], &s.m[j]);
  return s;
}

inline int k_min_sum(const KScales& s, const BlockQ8_K& a) {
  int summ = 0;
  for (int j = 0; j < 8; ++j) summ += s.m[j] * (load_bsum(a, 2 * j) + load_bsum(a, 2 * j + 1));
  return summ;
}

// The four 32-element runs of one Q6_K half (128 elements) as unsigned 6-bit values 0..63.
inline void q6_runs(const BlockQ6_K& b, int h, __m256i* q) {
  const __m256i m4 = _mm256_set1_epi8(0x0f), m2 = _mm256_set1_epi8(3);
  const __m256i ql0 = load32(b.ql + 64 * h), ql1 = load32(b.ql + 64 * h + 32), qh = load32(b.qh + 32 * h);
  const __m256i low[4] = {_mm256_and_si256(ql0, m4), _mm256_and_si256(ql1, m4),
                          _mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4),
                          _mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4)};
  __m256i hb = qh;
  for (int k = 0; k < 4; ++k) {
    q[k] = _mm256_or_si256(low[k], _mm256_slli_epi16(_mm256_and_si256(hb, m2), 4));
    hb = _mm256_srli_epi16(hb, 2);
  }
}

}  // namespace
}  // namespace hayloft::engine::ops
