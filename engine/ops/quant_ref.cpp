// Scalar reference kernels: the truth every SIMD kernel is tested against. Written for clarity (one element
// at a time, integer sums per block as ggml does) rather than speed.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/ops/quant_impl.hpp"
#include "engine/ops/quant_traits.hpp"

namespace hayloft::engine::ops {
namespace {

// ---- activation quantizers ----

// Largest |x| of a block, or NaN when the block holds a NaN or inf (see quant.hpp).
float block_amax(const float* x, int n) {
  float amax = 0.0f;
  for (int j = 0; j < n; ++j) {
    if (!std::isfinite(x[j])) return NAN;
    amax = std::max(amax, std::fabs(x[j]));
  }
  return amax;
}

// Q8_0 / Q8_1: d = amax/127, q = round_even(x * 127/amax) as ggml's x86 path computes it.
template <bool kWithSum>
void quantize_q8_32(const float* x, void* dst, int64_t n) {
  using Block = std::conditional_t<kWithSum, BlockQ8_1, BlockQ8_0>;
  auto* y = static_cast<Block*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    Block out;
    const float amax = block_amax(x, kQK);
    int sum = 0;
    float d = amax / 127.0f;
    if (std::isnan(amax)) {
      std::memset(out.qs, 0, sizeof out.qs);
    } else {
      const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
      for (int j = 0; j < kQK; ++j) {
        out.qs[j] = int8_t(std::nearbyint(x[j] * id));
        sum += out.qs[j];
      }
    }
    out.d = float_to_half(d);
    if constexpr (kWithSum) out.s = float_to_half(d * float(sum));
    std::memcpy(&y[b], &out, sizeof out);
  }
}

// Q8_K as ggml: scale from the signed extreme, q = round_even(-127/max * x) clamped to 127, d = 1/iscale.
void quantize_q8_k(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_K*>(dst);
  for (int64_t b = 0; b < n / kQKK; ++b, x += kQKK) {
    BlockQ8_K out;
    std::memset(&out, 0, sizeof out);
    float amax = 0.0f, max = 0.0f;
    bool finite = true;
    for (int j = 0; j < kQKK; ++j) {
      finite = finite && std::isfinite(x[j]);
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    if (!finite) {
      out.d = NAN;
    } else if (amax != 0.0f) {
      const float iscale = -127.0f / max;
      for (int j = 0; j < kQKK; ++j) out.qs[j] = int8_t(std::min(127.0f, std::nearbyint(iscale * x[j])));
      for (int g = 0; g < 16; ++g) {
        int sum = 0;
        for (int j = 0; j < 16; ++j) sum += out.qs[16 * g + j];
        out.bsums[g] = int16_t(sum);
      }
      out.d = 1.0f / iscale;
    }
    std::memcpy(&y[b], &out, sizeof out);
  }
}

void copy_f32(const float* x, void* dst, int64_t n) {
  if (n > 0) std::memcpy(dst, x, size_t(n) * sizeof(float));  // n = 0 may come with null pointers
}

// ---- dequantizers ----

template <TensorType T>
void dequantize_32(const void* src, float* dst, int64_t n) {
  using Tr = BlockTraits<T>;
  const auto* blocks = static_cast<const typename Tr::Block*>(src);
  for (int64_t b = 0; b < n / kQK; ++b) {
    const auto& blk = blocks[b];
    int q[kQK];
    Tr::quants(blk, q);
    const float d = Tr::scale(blk), m = Tr::min(blk);
    for (int j = 0; j < kQK; ++j) dst[b * kQK + j] = d * float(q[j]) + m;
  }
}

// Q4_K and Q5_K share everything but the fifth bit. Element 64c + l (c = 0..3, l < 32) uses nibble
// qs[32c + l] (low for l' = l, high for the second 32), scale/min pair 2c resp. 2c+1.
template <bool kFive, typename Block>
int k_quant(const Block& b, int c, int l, bool high) {
  int q = high ? b.qs[32 * c + l] >> 4 : b.qs[32 * c + l] & 0x0f;
  if constexpr (kFive) q |= ((b.qh[l] >> (2 * c + (high ? 1 : 0))) & 1) << 4;
  return q;
}

template <bool kFive>
void dequantize_q45_k(const void* src, float* dst, int64_t n) {
  using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
  const auto* blocks = static_cast<const Block*>(src);
  for (int64_t b = 0; b < n / kQKK; ++b) {
    const Block& blk = blocks[b];
    const float d = half_to_float(blk.d), dmin = half_to_float(blk.dmin);
    float* y = dst + b * kQKK;
    for (int c = 0; c < 4; ++c) {
      for (int h = 0; h < 2; ++h) {
        int sc, m;
        k_scale_min(2 * c + h, blk.scales, &sc, &m);
        const float d1 = d * float(sc), m1 = dmin * float(m);
        for (int l = 0; l < 32; ++l) y[64 * c + 32 * h + l] = d1 * float(k_quant<kFive>(blk, c, l, h)) - m1;
      }
    }
  }
}

// Q6_K element 128h + 32k + l (h = 0..1, k = 0..3, l < 32): low nibble from ql[64h + 32(k&1) + l] (low for
// k < 2, high for k >= 2), top 2 bits from qh[32h + l] bits 2k..2k+1; minus 32; scale sc[8h + 2k + l/16].
int q6_quant(const BlockQ6_K& b, int h, int k, int l) {
  const uint8_t lo = b.ql[64 * h + 32 * (k & 1) + l];
  const int low = k < 2 ? (lo & 0x0f) : (lo >> 4);
  const int high = (b.qh[32 * h + l] >> (2 * k)) & 3;
  return (low | (high << 4)) - 32;
}

void dequantize_q6_k(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ6_K*>(src);
  for (int64_t b = 0; b < n / kQKK; ++b) {
    const BlockQ6_K& blk = blocks[b];
    const float d = half_to_float(blk.d);
    for (int h = 0; h < 2; ++h)
      for (int k = 0; k < 4; ++k)
        for (int l = 0; l < 32; ++l)
          dst[b * kQKK + 128 * h + 32 * k + l] =
              d * float(blk.scales[8 * h + 2 * k + l / 16]) * float(q6_quant(blk, h, k, l));
  }
}

void dequantize_q8_k(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_K*>(src);
  for (int64_t b = 0; b < n / kQKK; ++b) {
    const float d = blocks[b].d;
    for (int j = 0; j < kQKK; ++j) dst[b * kQKK + j] = d * float(blocks[b].qs[j]);
  }
}

template <float (*kConvert)(uint16_t)>
void dequantize_half(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  for (int64_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, p + 2 * i, 2);
    dst[i] = kConvert(h);
  }
}

void dequantize_f32(const void* src, float* dst, int64_t n) {
  if (n > 0) std::memcpy(dst, src, size_t(n) * 4);
}

// ---- dots ----

// 32-block weights x Q8_0/Q8_1: exact integer sum per block, then (d_w*d_a)*sumi (+ m_w*s_a) as ggml.
template <TensorType T>
float dot_32(const void* row, const void* act, int64_t n) {
  using Tr = BlockTraits<T>;
  using ActBlock = std::conditional_t<Tr::kAct == TensorType::kQ8_1, BlockQ8_1, BlockQ8_0>;
  const auto* w = static_cast<const typename Tr::Block*>(row);
  const auto* a = static_cast<const ActBlock*>(act);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQK; ++b) {
    int q[kQK];
    Tr::quants(w[b], q);
    int sumi = 0;
    for (int j = 0; j < kQK; ++j) sumi += q[j] * a[b].qs[j];
    sum += Tr::scale(w[b]) * half_to_float(a[b].d) * float(sumi);
    if constexpr (Tr::kHasMin) sum += Tr::min(w[b]) * half_to_float(a[b].s);
  }
  return sum;
}

// Q4_K/Q5_K x Q8_K: d_a * (d * sum_j sc_j * S_j - dmin * sum_j m_j * A_j), where S_j is the integer dot of
// sub-block j and A_j the sum of its 32 activations (two bsums).
template <bool kFive>
float dot_q45_k(const void* row, const void* act, int64_t n) {
  using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
  const auto* w = static_cast<const Block*>(row);
  const auto* a = static_cast<const BlockQ8_K*>(act);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQKK; ++b) {
    int sumi = 0, summ = 0;
    for (int c = 0; c < 4; ++c) {
      for (int h = 0; h < 2; ++h) {
        const int j = 2 * c + h;
        int sc, m;
        k_scale_min(j, w[b].scales, &sc, &m);
        int s = 0;
        for (int l = 0; l < 32; ++l) s += k_quant<kFive>(w[b], c, l, h) * a[b].qs[32 * j + l];
        sumi += sc * s;
        summ += m * (load_bsum(a[b], 2 * j) + load_bsum(a[b], 2 * j + 1));
      }
    }
    sum += a[b].d * (half_to_float(w[b].d) * float(sumi) - half_to_float(w[b].dmin) * float(summ));
  }
  return sum;
}

float dot_q6_k(const void* row, const void* act, int64_t n) {
  const auto* w = static_cast<const BlockQ6_K*>(row);
  const auto* a = static_cast<const BlockQ8_K*>(act);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQKK; ++b) {
    int sumi = 0;
    for (int h = 0; h < 2; ++h)
      for (int k = 0; k < 4; ++k)
        for (int l = 0; l < 32; ++l)
          sumi += w[b].scales[8 * h + 2 * k + l / 16] * q6_quant(w[b], h, k, l) *
                  a[b].qs[128 * h + 32 * k + l];
    sum += half_to_float(w[b].d) * a[b].d * float(sumi);
  }
  return sum;
}

float dot_q8_k(const void* row, const void* act, int64_t n) {
  const auto* w = static_cast<const BlockQ8_K*>(row);
  const auto* a = static_cast<const BlockQ8_K*>(act);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQKK; ++b) {
    int sumi = 0;
    for (int j = 0; j < kQKK; ++j) sumi += w[b].qs[j] * a[b].qs[j];
    sum += w[b].d * a[b].d * float(sumi);
  }
  return sum;
}

// Float weights x f32 activations: one float accumulator, in order.
template <void (*kDequant)(const void*, float*, int64_t), int kBytes>
float dot_float(const void* row, const void* act, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(row);
  const auto* x = static_cast<const uint8_t*>(act);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    float w, xi;
    kDequant(p + kBytes * i, &w, 1);
    std::memcpy(&xi, x + 4 * i, 4);
    sum += w * xi;
  }
  return sum;
}

// The reference matvec: one dot per row, in order.
template <float (*kDot)(const void*, const void*, int64_t)>
void matvec_by_dot(const void* w, size_t stride, const void* act, float* y, int64_t n, int64_t rows) {
  const auto* p = static_cast<const uint8_t*>(w);
  for (int64_t r = 0; r < rows; ++r) y[r] = kDot(p + size_t(r) * stride, act, n);
}

using TT = TensorType;
template <TT T>
constexpr TypeKernels k32{T, BlockTraits<T>::kAct, dequantize_32<T>,
                          BlockTraits<T>::kAct == TT::kQ8_1 ? quantize_q8_32<true> : quantize_q8_32<false>,
                          dot_32<T>, matvec_by_dot<dot_32<T>>};
template <void (*kDequant)(const void*, float*, int64_t), int kBytes>
constexpr TypeKernels kfloat(TT t) {
  return {t, TT::kF32, kDequant, copy_f32, dot_float<kDequant, kBytes>, matvec_by_dot<dot_float<kDequant, kBytes>>};
}
template <float (*kDot)(const void*, const void*, int64_t)>
constexpr TypeKernels kk(TT t, void (*dequant)(const void*, float*, int64_t)) {
  return {t, TT::kQ8_K, dequant, quantize_q8_k, kDot, matvec_by_dot<kDot>};
}

const TypeKernels kRef[] = {
    kfloat<dequantize_f32, 4>(TT::kF32),
    kfloat<dequantize_half<half_to_float>, 2>(TT::kF16),
    kfloat<dequantize_half<bf16_to_float>, 2>(TT::kBF16),
    k32<TT::kQ4_0>, k32<TT::kQ4_1>, k32<TT::kQ5_0>, k32<TT::kQ5_1>, k32<TT::kQ8_0>, k32<TT::kQ8_1>,
    kk<dot_q45_k<false>>(TT::kQ4_K, dequantize_q45_k<false>),
    kk<dot_q45_k<true>>(TT::kQ5_K, dequantize_q45_k<true>),
    kk<dot_q6_k>(TT::kQ6_K, dequantize_q6_k),
    kk<dot_q8_k>(TT::kQ8_K, dequantize_q8_k),
};

}  // namespace

const TypeKernels* ref_kernels(TensorType type) {
  for (const auto& k : kRef)
    if (k.type == type) return &k;
  return nullptr;
}

}  // namespace hayloft::engine::ops
