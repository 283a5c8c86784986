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

// The 8 scales and 8 mins of a Q4_K/Q5_K super-block (6 bits each, see k_scale_min), unpacked four at a
// time with 32-bit word operations: byte-wise shifts within a word only leak bits that the masks drop.
struct KScales {
  uint8_t sc[8], m[8];
};
inline KScales k_scales(const uint8_t* packed) {
  uint32_t u[3];
  std::memcpy(u, packed, 12);
  const uint32_t sc_lo = u[0] & 0x3f3f3f3fu, m_lo = u[1] & 0x3f3f3f3fu;
  const uint32_t sc_hi = (u[2] & 0x0f0f0f0fu) | (((u[0] >> 6) & 0x03030303u) << 4);
  const uint32_t m_hi = ((u[2] >> 4) & 0x0f0f0f0fu) | (((u[1] >> 6) & 0x03030303u) << 4);
  KScales s;
  std::memcpy(s.sc, &sc_lo, 4);
  std::memcpy(s.sc + 4, &sc_hi, 4);
  std::memcpy(s.m, &m_lo, 4);
  std::memcpy(s.m + 4, &m_hi, 4);
  return s;
}

inline __m256i load_bsums(const BlockQ8_K& a) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(reinterpret_cast<const uint8_t*>(&a) +
                                                              offsetof(BlockQ8_K, bsums)));
}

// sum_j m_j * (bsum[2j] + bsum[2j+1]): each min duplicated to the two 16-element sums of its sub-block.
inline int k_min_sum(const KScales& s, const BlockQ8_K& a) {
  const __m128i m8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(s.m));
  const __m256i m16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8));
  return hsum_i32(_mm256_madd_epi16(m16, load_bsums(a)));
}

// Q6_K: sum_g sc_g * bsum_g over the 16 groups of 16 (the -32 offset's share of the dot).
inline int q6_offset(const BlockQ6_K& w, const BlockQ8_K& a) {
  const __m256i sc = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w.scales)));
  return hsum_i32(_mm256_madd_epi16(sc, load_bsums(a)));
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

// ---- 32-block dots ----

// Sums of 4 adjacent int8 products in 8 int32 lanes; `w` unsigned (0..31) or signed per kSigned (then |w|
// as unsigned times a with w's sign; a is never -128 since quantize_act clamps to 127). VNNI: VPDPBUSD.
template <bool kSigned, bool kVnni>
inline __m256i dot_bytes(__m256i w, __m256i a) {
  if constexpr (kSigned) {
    a = _mm256_sign_epi8(a, w);
    w = _mm256_sign_epi8(w, w);
  }
  if constexpr (kVnni) {
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), w, a);
  } else {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(w, a), _mm256_set1_epi16(1));
  }
}

// The fp16 fields at byte `offset` of 8 consecutive blocks of `stride` bytes, as floats. The 32-bit gather
// reads 2 bytes past each field, still inside its block for every layout used here.
inline __m256 halves8(const void* first, int stride, int offset) {
  const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(stride));
  const auto* base = reinterpret_cast<const int*>(static_cast<const uint8_t*>(first) + offset);
  const __m256i v = _mm256_and_si256(_mm256_i32gather_epi32(base, idx, 1), _mm256_set1_epi32(0xffff));
  return _mm256_cvtph_ps(_mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)));
}

// Matrix rows are read once per token from L3 or memory. Profiles showed the kernels stalled on their
// first touch of each block (the scale gathers) while the hardware prefetchers, which stop at 4 KiB
// pages, lagged: matvec kernels prefetch kPrefetchBytes ahead of the rows they are on, within the matrix.
#ifndef HL_PREFETCH_BYTES
#define HL_PREFETCH_BYTES 4096
#endif
inline constexpr size_t kPrefetchBytes = HL_PREFETCH_BYTES;
inline void prefetch_ahead(const uint8_t* cur, size_t bytes, const uint8_t* end) {
  const uint8_t* from = cur + kPrefetchBytes;
  const uint8_t* to = from + bytes < end ? from + bytes : end;
  for (; from < to; from += 64) _mm_prefetch(reinterpret_cast<const char*>(from), _MM_HINT_T0);
}

// Both fp16 fields of the 32-bit word at byte `offset` of 8 consecutive blocks (e.g. Q4_1's d and m): one
// gather for the two; lo gets the first field, hi the second.
inline void halves8_pair(const void* first, int stride, int offset, __m256* lo, __m256* hi) {
  const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(stride));
  const auto* base = reinterpret_cast<const int*>(static_cast<const uint8_t*>(first) + offset);
  const __m256i v = _mm256_i32gather_epi32(base, idx, 1);
  const __m256i l = _mm256_and_si256(v, _mm256_set1_epi32(0xffff)), h = _mm256_srli_epi32(v, 16);
  *lo = _mm256_cvtph_ps(_mm_packus_epi32(_mm256_castsi256_si128(l), _mm256_extracti128_si256(l, 1)));
  *hi = _mm256_cvtph_ps(_mm_packus_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1)));
}

// 32-block weights x Q8_0/Q8_1, R rows `stride` bytes apart against one activation vector. Eight blocks
// at a time: their scale products d_w*d_a (and the min terms m_w*s_a) are converted together and spilled,
// so each block's scale is a broadcast from memory (a load) rather than two scalar half conversions on the
// shuffle port. Each row gets exactly the operations of the one-row case in the same order (so every y[r]
// equals dot_32 bit for bit); R > 1 only shares the activation loads and scale gathers between rows and
// hides the per-row reductions behind other rows' work. R = 4 needs 12 accumulators (AVX-512: 32 registers).
template <TT T, bool kVnni, int R>
inline void dot_32_rows(const uint8_t* w0, size_t stride, const void* act, int64_t n, float* y) {
  using Tr = BlockTraits<T>;
  using Block = typename Tr::Block;
  using ActBlock = std::conditional_t<Tr::kAct == TT::kQ8_1, BlockQ8_1, BlockQ8_0>;
  const Block* w[R];
  for (int r = 0; r < R; ++r) w[r] = reinterpret_cast<const Block*>(w0 + size_t(r) * stride);
  const auto* a = static_cast<const ActBlock*>(act);
  const int64_t nb = n / kQK;
  __m256 acc0[R], acc1[R], accm[R];
  for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = accm[r] = _mm256_setzero_ps();
  alignas(32) float dd[R][8];
  auto block = [](const Block& wb, __m256i qa, const float* d, __m256 acc) {
    const __m256i s = dot_bytes<!Tr::kHasMin, kVnni>(unpack<T>(wb), qa);
    return _mm256_fmadd_ps(_mm256_broadcast_ss(d), _mm256_cvtepi32_ps(s), acc);
  };
  int64_t b = 0;
  for (; b + 8 <= nb; b += 8) {
    const __m256 da = halves8(a + b, sizeof(ActBlock), offsetof(ActBlock, d));
    for (int r = 0; r < R; ++r) _mm256_store_ps(dd[r], _mm256_mul_ps(halves8(w[r] + b, sizeof(Block), offsetof(Block, d)), da));
    if constexpr (Tr::kHasMin) {
      const __m256 sa = halves8(a + b, sizeof(ActBlock), offsetof(ActBlock, s));
      for (int r = 0; r < R; ++r) accm[r] = _mm256_fmadd_ps(halves8(w[r] + b, sizeof(Block), offsetof(Block, m)), sa, accm[r]);
    }
    for (int j = 0; j < 8; j += 2) {
      const __m256i qa0 = load32(a[b + j].qs), qa1 = load32(a[b + j + 1].qs);
      for (int r = 0; r < R; ++r) {
        acc0[r] = block(w[r][b + j], qa0, dd[r] + j, acc0[r]);
        acc1[r] = block(w[r][b + j + 1], qa1, dd[r] + j + 1, acc1[r]);
      }
    }
  }
  float tail_min[R] = {};
  for (; b < nb; ++b) {
    const __m256i qa = load32(a[b].qs);
    for (int r = 0; r < R; ++r) {
      const float d = _cvtsh_ss(w[r][b].d) * _cvtsh_ss(a[b].d);
      acc0[r] = block(w[r][b], qa, &d, acc0[r]);
      if constexpr (Tr::kHasMin) tail_min[r] += _cvtsh_ss(w[r][b].m) * _cvtsh_ss(a[b].s);
    }
  }
  for (int r = 0; r < R; ++r) y[r] = hsum(_mm256_add_ps(acc0[r], acc1[r])) + hsum(accm[r]) + tail_min[r];
}

template <TT T, bool kVnni>
inline float dot_32(const void* row, const void* act, int64_t n) {
  float y;
  dot_32_rows<T, kVnni, 1>(static_cast<const uint8_t*>(row), 0, act, n, &y);
  return y;
}

// y[r] = dot_32(row r) for r < rows: R rows at a time, then one at a time.
template <TT T, bool kVnni, int R>
inline void matvec_32(const void* w, size_t stride, const void* act, float* y, int64_t n, int64_t rows) {
  const auto* p = static_cast<const uint8_t*>(w);
  const uint8_t* end = p + size_t(rows) * stride;
  int64_t r = 0;
  for (; r + R <= rows; r += R) {
    prefetch_ahead(p + size_t(r) * stride, R * stride, end);
    dot_32_rows<T, kVnni, R>(p + size_t(r) * stride, stride, act, n, y + r);
  }
  for (; r < rows; ++r) dot_32_rows<T, kVnni, 1>(p + size_t(r) * stride, stride, act, n, y + r);
}

// Rows one dot at a time (with prefetch), for kernels without a multi-row version.
template <float (*kDot)(const void*, const void*, int64_t)>
inline void matvec_by_dot(const void* w, size_t stride, const void* act, float* y, int64_t n, int64_t rows) {
  const auto* p = static_cast<const uint8_t*>(w);
  const uint8_t* end = p + size_t(rows) * stride;
  for (int64_t r = 0; r < rows; ++r) {
    prefetch_ahead(p + size_t(r) * stride, stride, end);
    y[r] = kDot(p + size_t(r) * stride, act, n);
  }
}

// ---- K-quant dots (256-bit; the 512-bit versions measured slower: extra lane shuffles) ----

// acc + pairwise int16 products summed to int32 lanes. With AVX512-VNNI (VL), VPDPWSSD does it in one
// instruction; only the AVX-512 file instantiates kVnni = true (the branch is discarded elsewhere).
template <bool kVnni>
inline __m256i madd_acc(__m256i acc, __m256i p, __m256i scales16) {
  if constexpr (kVnni) {
    return _mm256_dpwssd_epi32(acc, p, scales16);
  } else {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(p, scales16));
  }
}

// Q4_K / Q5_K x Q8_K: per 64-element chunk, low nibbles (+ fifth bit) meet a[64c..+32) with scale 2c and
// high nibbles meet a[64c+32..+32) with scale 2c+1; int32 sums, then one float FMA per block.
template <bool kFive, bool kVnni>
inline float dot_q45_k(const void* row, const void* act, int64_t n) {
  using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
  const auto* w = static_cast<const Block*>(row);
  const auto* a = static_cast<const BlockQ8_K*>(act);
  const __m256i m4 = _mm256_set1_epi8(0x0f), one = _mm256_set1_epi8(1);
  __m256 acc = _mm256_setzero_ps();
  float acc_m = 0.0f;
  for (int64_t b = 0; b < n / kQKK; ++b) {
    const KScales s = k_scales(w[b].scales);
    __m256i qh = _mm256_setzero_si256();
    if constexpr (kFive) qh = load32(w[b].qh);
    __m256i sumi = _mm256_setzero_si256();
    for (int c = 0; c < 4; ++c) {
      const __m256i q = load32(w[b].qs + 32 * c);
      __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
      if constexpr (kFive) {
        lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(qh, one), 4));
        hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 1), one), 4));
        qh = _mm256_srli_epi16(qh, 2);
      }
      const __m256i plo = _mm256_maddubs_epi16(lo, load32(a[b].qs + 64 * c));
      const __m256i phi = _mm256_maddubs_epi16(hi, load32(a[b].qs + 64 * c + 32));
      sumi = madd_acc<kVnni>(sumi, plo, _mm256_set1_epi16(int16_t(s.sc[2 * c])));
      sumi = madd_acc<kVnni>(sumi, phi, _mm256_set1_epi16(int16_t(s.sc[2 * c + 1])));
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(a[b].d * _cvtsh_ss(w[b].d)), _mm256_cvtepi32_ps(sumi), acc);
    acc_m += a[b].d * _cvtsh_ss(w[b].dmin) * float(k_min_sum(s, a[b]));
  }
  return hsum(acc) - acc_m;
}

// Q6_K x Q8_K: sum sc_g * sum (q - 32) a = sum sc_g * (sum q a) - 32 * sum sc_g * bsum_g.
template <bool kVnni>
inline float dot_q6_k(const void* row, const void* act, int64_t n) {
  const auto* w = static_cast<const BlockQ6_K*>(row);
  const auto* a = static_cast<const BlockQ8_K*>(act);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < n / kQKK; ++b) {
    __m256i sumi = _mm256_setzero_si256();
    const int offset = q6_offset(w[b], a[b]);
    for (int h = 0; h < 2; ++h) {
      __m256i q[4];
      q6_runs(w[b], h, q);
      for (int k = 0; k < 4; ++k) {
        const int8_t* sc = w[b].scales + 8 * h + 2 * k;  // sc[0]: first 16 elements, sc[1]: next 16
        const __m256i vs = _mm256_set_m128i(_mm_set1_epi16(sc[1]), _mm_set1_epi16(sc[0]));
        const __m256i p = _mm256_maddubs_epi16(q[k], load32(a[b].qs + 128 * h + 32 * k));
        sumi = madd_acc<kVnni>(sumi, p, vs);
      }
    }
    sumi = _mm256_sub_epi32(sumi, _mm256_setr_epi32(32 * offset, 0, 0, 0, 0, 0, 0, 0));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(a[b].d * _cvtsh_ss(w[b].d)), _mm256_cvtepi32_ps(sumi), acc);
  }
  return hsum(acc);
}

}  // namespace
}  // namespace hayloft::engine::ops
