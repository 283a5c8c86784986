// AVX-512 (F/BW/VL/DQ) kernels; with AVX512-VNNI (picked at run time by quant.cpp) the integer dots use
// VPDPBUSD / VPDPWSSD. Compiled with AVX-512 flags: nothing here may run before CPUID said so.
// Measured on this Xeon (bench/kernels_bench, in-cache 256x4096): for one row at a time, integer dots are
// fastest at 256 bits with VNNI (+10..30% over AVX2); 512-bit versions that paired two blocks of one row
// per register were slower (lane shuffles and scale broadcasts per block). Matvec (decode) instead puts
// one row per lane (4 rows per register: nibble types, Q8_0), which needs no shuffle per block; measured
// in cache 2048x512, Q4_1 ~12 -> ~16 GB/s, Q5_0 ~7 -> ~11 (noisy shared machine). K-quants keep the
// 256-bit dots. Float dots use 512 bits. Without VNNI the 32-block dots are the AVX2 code compiled here
// (4 rows in flight); dequantize and quantize_act are always the AVX2 ones.
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

// ---- 32-block types with nibbles (Q4_0, Q4_1, Q5_0, Q5_1) x Q8_0/Q8_1, VNNI: one row per 128-bit lane ----
// Lane r of a 512-bit register holds row r's block: its 16 bytes of packed nibbles unpack in place to the
// quants of elements 0..15 (low nibbles) and 16..31 (high nibbles, + the fifth bit under a byte mask for
// Q5), and VPDPBUSD against the activation block's two halves, broadcast to every lane, leaves 4 exact
// int32 partial sums per row (element k: products 4k..4k+3 of both halves). Each block then scales them
// by d_w*d_a in 4 float lanes per row. So 4 rows x 32 elements cost one load + 3 lane inserts, 3 bit ops,
// 2 VPDPBUSD, a convert, a scale permute and an FMA, against ~9 operations per row and block for dot_32.
// Signed types (offset 8 or 16) subtract offset * (sum of activations), exactly, in the integer sums.
// Lanes<1> runs the same arithmetic in one 128-bit register, so dot() and matvec() agree bit for bit.
template <int R> struct Lanes;

template <> struct Lanes<4> {
  using I = __m512i;
  using F = __m512;
  static I load(const uint8_t* const* p) {
    I q = _mm512_zextsi128_si512(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p[0])));
    q = _mm512_inserti32x4(q, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p[1])), 1);
    q = _mm512_inserti32x4(q, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p[2])), 2);
    return _mm512_inserti32x4(q, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p[3])), 3);
  }
  static I bcast(const int8_t* p) { return _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static I set1(int8_t c) { return _mm512_set1_epi8(c); }
  static I zeroi() { return _mm512_setzero_si512(); }
  static F zero() { return _mm512_setzero_ps(); }
  static I and_(I a, I b) { return _mm512_and_si512(a, b); }
  static I srli4(I a) { return _mm512_srli_epi16(a, 4); }
  static I dp(I acc, I u, I s) { return _mm512_dpbusd_epi32(acc, u, s); }
  static I sub(I a, I b) { return _mm512_sub_epi32(a, b); }
  static I add_bit(I q, uint64_t mask) { return _mm512_mask_add_epi8(q, mask, q, _mm512_set1_epi8(0x10)); }
  static F fma(F scale, I x, F acc) { return _mm512_fmadd_ps(scale, _mm512_cvtepi32_ps(x), acc); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  // Per-block scales of 8 blocks, dd[r] = d_w*d_a of row r; get(j): lane r filled with dd[r][j].
  struct Scales {
    F lo, hi;  // [dd0 | dd1], [dd2 | dd3]: a 32-entry table for VPERMT2PS
    explicit Scales(const __m256* dd)
        : lo(_mm512_insertf32x8(_mm512_castps256_ps512(dd[0]), dd[1], 1)),
          hi(_mm512_insertf32x8(_mm512_castps256_ps512(dd[2]), dd[3], 1)) {}
    F get(int j) const {
      const I idx = _mm512_setr_epi32(0, 0, 0, 0, 8, 8, 8, 8, 16, 16, 16, 16, 24, 24, 24, 24);
      return _mm512_permutex2var_ps(lo, _mm512_add_epi32(idx, _mm512_set1_epi32(j)), hi);
    }
  };
  static F scale_of(const float* d) {
    const I idx = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    return _mm512_permutexvar_ps(idx, _mm512_zextps128_ps512(_mm_loadu_ps(d)));
  }
  static __m128 lane(F acc, int r) {
    switch (r) {
      case 0: return _mm512_extractf32x4_ps(acc, 0);
      case 1: return _mm512_extractf32x4_ps(acc, 1);
      case 2: return _mm512_extractf32x4_ps(acc, 2);
      default: return _mm512_extractf32x4_ps(acc, 3);
    }
  }
};

template <> struct Lanes<1> {
  using I = __m128i;
  using F = __m128;
  static I load(const uint8_t* const* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p[0])); }
  static I bcast(const int8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
  static I set1(int8_t c) { return _mm_set1_epi8(c); }
  static I zeroi() { return _mm_setzero_si128(); }
  static F zero() { return _mm_setzero_ps(); }
  static I and_(I a, I b) { return _mm_and_si128(a, b); }
  static I srli4(I a) { return _mm_srli_epi16(a, 4); }
  static I dp(I acc, I u, I s) { return _mm_dpbusd_epi32(acc, u, s); }
  static I sub(I a, I b) { return _mm_sub_epi32(a, b); }
  static I add_bit(I q, uint64_t mask) { return _mm_mask_add_epi8(q, __mmask16(mask), q, _mm_set1_epi8(0x10)); }
  static F fma(F scale, I x, F acc) { return _mm_fmadd_ps(scale, _mm_cvtepi32_ps(x), acc); }
  static F add(F a, F b) { return _mm_add_ps(a, b); }
  struct Scales {
    alignas(32) float dd[8];
    explicit Scales(const __m256* d) { _mm256_store_ps(dd, d[0]); }
    F get(int j) const { return _mm_broadcast_ss(dd + j); }
  };
  static F scale_of(const float* d) { return _mm_set1_ps(d[0]); }
  static __m128 lane(F acc, int) { return acc; }
};

// (x0 + x2) + (x1 + x3)
inline float hsum4(__m128 x) {
  const __m128 t = _mm_add_ps(x, _mm_movehl_ps(x, x));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)));
}

template <TT T, int R>
inline void dot_lanes(const uint8_t* w0, size_t stride, const void* act, int64_t n, float* y) {
  using Tr = BlockTraits<T>;
  using Block = typename Tr::Block;
  using ActBlock = std::conditional_t<Tr::kAct == TT::kQ8_1, BlockQ8_1, BlockQ8_0>;
  using L = Lanes<R>;
  constexpr bool kFive = T == TT::kQ5_0 || T == TT::kQ5_1;
  constexpr int8_t kOffset = Tr::kHasMin ? 0 : (kFive ? 16 : 8);
  const Block* w[R];
  for (int r = 0; r < R; ++r) w[r] = reinterpret_cast<const Block*>(w0 + size_t(r) * stride);
  const auto* a = static_cast<const ActBlock*>(act);
  const int64_t nb = n / kQK;
  typename L::F acc[2] = {L::zero(), L::zero()};
  __m256 accm[R];
  float tail_min[R];
  for (int r = 0; r < R; ++r) {
    accm[r] = _mm256_setzero_ps();
    tail_min[r] = 0.0f;
  }
  auto block = [&](int64_t b, typename L::F scale, typename L::F& sum) {
    const uint8_t* qs[R];
    for (int r = 0; r < R; ++r) qs[r] = w[r][b].qs;
    const typename L::I q = L::load(qs), m4 = L::set1(0x0f);
    typename L::I lo = L::and_(q, m4), hi = L::and_(L::srli4(q), m4);
    if constexpr (kFive) {
      uint64_t mlo = 0, mhi = 0;
      for (int r = 0; r < R; ++r) {
        const uint32_t h = load_qh32(w[r][b].qh);
        mlo |= uint64_t(h & 0xffffu) << (16 * r);
        mhi |= uint64_t(h >> 16) << (16 * r);
      }
      lo = L::add_bit(lo, mlo);
      hi = L::add_bit(hi, mhi);
    }
    const typename L::I alo = L::bcast(a[b].qs), ahi = L::bcast(a[b].qs + 16);
    typename L::I init = L::zeroi();
    if constexpr (kOffset != 0) {
      const typename L::I off = L::set1(kOffset);
      init = L::sub(init, L::dp(L::dp(L::zeroi(), off, alo), off, ahi));
    }
    sum = L::fma(scale, L::dp(L::dp(init, lo, alo), hi, ahi), sum);
  };
  int64_t b = 0;
  for (; b + 8 <= nb; b += 8) {
    // One gather per row for d (and m, the next field): gathers cost as much as the dots here.
    __m256 da, sa, dd[R];
    if constexpr (Tr::kHasMin) {
      static_assert(offsetof(Block, m) == offsetof(Block, d) + 2 && offsetof(ActBlock, s) == offsetof(ActBlock, d) + 2);
      halves8_pair(a + b, sizeof(ActBlock), offsetof(ActBlock, d), &da, &sa);
      for (int r = 0; r < R; ++r) {
        __m256 dw, mw;
        halves8_pair(w[r] + b, sizeof(Block), offsetof(Block, d), &dw, &mw);
        dd[r] = _mm256_mul_ps(dw, da);
        accm[r] = _mm256_fmadd_ps(mw, sa, accm[r]);
      }
    } else {
      da = halves8(a + b, sizeof(ActBlock), offsetof(ActBlock, d));
      for (int r = 0; r < R; ++r) dd[r] = _mm256_mul_ps(halves8(w[r] + b, sizeof(Block), offsetof(Block, d)), da);
    }
    const typename L::Scales sc(dd);
    for (int j = 0; j < 8; j += 2) {
      block(b + j, sc.get(j), acc[0]);
      block(b + j + 1, sc.get(j + 1), acc[1]);
    }
  }
  for (; b < nb; ++b) {
    float d[R];
    for (int r = 0; r < R; ++r) d[r] = _cvtsh_ss(w[r][b].d) * _cvtsh_ss(a[b].d);
    block(b, L::scale_of(d), acc[0]);
    if constexpr (Tr::kHasMin)
      for (int r = 0; r < R; ++r) tail_min[r] += _cvtsh_ss(w[r][b].m) * _cvtsh_ss(a[b].s);
  }
  const typename L::F total = L::add(acc[0], acc[1]);
  for (int r = 0; r < R; ++r) y[r] = hsum4(L::lane(total, r)) + hsum(accm[r]) + tail_min[r];
}

template <TT T>
float dot_lanes1(const void* row, const void* act, int64_t n) {
  float y;
  dot_lanes<T, 1>(static_cast<const uint8_t*>(row), 0, act, n, &y);
  return y;
}

template <TT T>
void matvec_lanes(const void* w, size_t stride, const void* act, float* y, int64_t n, int64_t rows) {
  const auto* p = static_cast<const uint8_t*>(w);
  const uint8_t* end = p + size_t(rows) * stride;
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    prefetch_ahead(p + size_t(r) * stride, 4 * stride, end);
    dot_lanes<T, 4>(p + size_t(r) * stride, stride, act, n, y + r);
  }
  for (; r < rows; ++r) dot_lanes<T, 1>(p + size_t(r) * stride, stride, act, n, y + r);
}

// ---- Q8_0 x Q8_0, VNNI: one row per 256-bit half, 4 rows in two 512-bit registers ----
// VPDPBUSD multiplies unsigned by signed bytes: the weights are flipped to unsigned (w ^ 0x80 = w + 128)
// and 128 * (sum of each 4 activations) is subtracted, exactly, in the int32 sums. Per half, int32
// element k holds the products 4k..4k+3; each block scales them by d_w*d_a in 8 float lanes per row.
// R = 1 runs the same arithmetic in one 256-bit register, so dot() and matvec() agree bit for bit.
template <int R>
inline void dot_q8_lanes(const uint8_t* w0, size_t stride, const void* act, int64_t n, float* y) {
  static_assert(R == 1 || R == 4);
  const BlockQ8_0* w[R];
  for (int r = 0; r < R; ++r) w[r] = reinterpret_cast<const BlockQ8_0*>(w0 + size_t(r) * stride);
  const auto* a = static_cast<const BlockQ8_0*>(act);
  const int64_t nb = n / kQK;
  constexpr int kRegs = R == 4 ? 2 : 1;
  __m512 acc[2][kRegs];  // [alternating blocks][register]
  __m256 acc1[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  for (auto& x : acc)
    for (auto& v : x) v = _mm512_setzero_ps();
  const __m256i flip = _mm256_set1_epi8(char(0x80));
  // scales[g] for register g: lanes 0..7 row 2g's d_w*d_a, lanes 8..15 row 2g+1's.
  auto block = [&](int64_t b, const __m512* scales, const float* d1, int parity) {
    if constexpr (R == 4) {
      const __m512i qa = _mm512_broadcast_i64x4(load32(a[b].qs));
      const __m512i corr = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(char(0x80)), qa);
      const __m512i init = _mm512_sub_epi32(_mm512_setzero_si512(), corr);
      for (int g = 0; g < 2; ++g) {
        __m512i q = _mm512_castsi256_si512(load32(w[2 * g][b].qs));
        q = _mm512_inserti64x4(q, load32(w[2 * g + 1][b].qs), 1);
        q = _mm512_xor_si512(q, _mm512_set1_epi8(char(0x80)));
        acc[parity][g] = _mm512_fmadd_ps(scales[g], _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(init, q, qa)), acc[parity][g]);
      }
    } else {
      const __m256i qa = load32(a[b].qs);
      const __m256i init = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_dpbusd_epi32(_mm256_setzero_si256(), flip, qa));
      const __m256i q = _mm256_xor_si256(load32(w[0][b].qs), flip);
      acc1[parity] = _mm256_fmadd_ps(_mm256_broadcast_ss(d1), _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(init, q, qa)), acc1[parity]);
    }
  };
  int64_t b = 0;
  for (; b + 8 <= nb; b += 8) {
    const __m256 da = halves8(a + b, sizeof(BlockQ8_0), offsetof(BlockQ8_0, d));
    __m256 dd[R];
    for (int r = 0; r < R; ++r) dd[r] = _mm256_mul_ps(halves8(w[r] + b, sizeof(BlockQ8_0), offsetof(BlockQ8_0, d)), da);
    if constexpr (R == 4) {
      const __m512 lo = _mm512_insertf32x8(_mm512_castps256_ps512(dd[0]), dd[1], 1);
      const __m512 hi = _mm512_insertf32x8(_mm512_castps256_ps512(dd[2]), dd[3], 1);
      const __m512i base = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 8, 8, 8, 8, 8, 8, 8, 8);
      for (int j = 0; j < 8; ++j) {
        const __m512i idx = _mm512_add_epi32(base, _mm512_set1_epi32(j));
        const __m512 sc[2] = {_mm512_permutexvar_ps(idx, lo), _mm512_permutexvar_ps(idx, hi)};
        block(b + j, sc, nullptr, j & 1);
      }
    } else {
      alignas(32) float d1[8];
      _mm256_store_ps(d1, dd[0]);
      for (int j = 0; j < 8; ++j) block(b + j, nullptr, d1 + j, j & 1);
    }
  }
  for (; b < nb; ++b) {
    float d[R];
    for (int r = 0; r < R; ++r) d[r] = _cvtsh_ss(w[r][b].d) * _cvtsh_ss(a[b].d);
    if constexpr (R == 4) {
      const __m512 sc[2] = {_mm512_insertf32x8(_mm512_set1_ps(d[0]), _mm256_set1_ps(d[1]), 1),
                            _mm512_insertf32x8(_mm512_set1_ps(d[2]), _mm256_set1_ps(d[3]), 1)};
      block(b, sc, nullptr, 0);
    } else {
      block(b, nullptr, d, 0);
    }
  }
  if constexpr (R == 4) {
    for (int g = 0; g < 2; ++g) {
      const __m512 t = _mm512_add_ps(acc[0][g], acc[1][g]);
      y[2 * g] = hsum(_mm512_castps512_ps256(t));
      y[2 * g + 1] = hsum(_mm512_extractf32x8_ps(t, 1));
    }
  } else {
    y[0] = hsum(_mm256_add_ps(acc1[0], acc1[1]));
  }
}

float dot_q8_lanes1(const void* row, const void* act, int64_t n) {
  float y;
  dot_q8_lanes<1>(static_cast<const uint8_t*>(row), 0, act, n, &y);
  return y;
}

void matvec_q8_lanes(const void* w, size_t stride, const void* act, float* y, int64_t n, int64_t rows) {
  const auto* p = static_cast<const uint8_t*>(w);
  const uint8_t* end = p + size_t(rows) * stride;
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    prefetch_ahead(p + size_t(r) * stride, 4 * stride, end);
    dot_q8_lanes<4>(p + size_t(r) * stride, stride, act, n, y + r);
  }
  for (; r < rows; ++r) dot_q8_lanes<1>(p + size_t(r) * stride, stride, act, n, y + r);
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
      if constexpr (kVnni && t == TT::kQ8_0) return from(t, dot_q8_lanes1, matvec_q8_lanes);
      if constexpr (kVnni && t != TT::kQ8_0) return from(t, dot_lanes1<t>, matvec_lanes<t>);
      return from(t, dot_32<t, false>, matvec_32<t, false, 4>);
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
    // Q8_0: with VNNI, the two-rows-per-register kernel above (the one-row 256-bit VPDPBUSD dot measured
    // ~20% slower than maddubs + madd, 20 vs 25 GB/s in cache).
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
