#pragma once
// Block layouts of the ggml quant types and their scalar decoding (engine/ops internal; included by the
// quant_*.cpp files only). Layouts match ggml's ggml-common.h byte for byte; structs are packed so a block
// may sit at any address (GGUF tensor data is only 32-byte aligned per tensor, rows may be odd-sized).
#include <cmath>
#include <cstdint>
#include <cstring>

#include "engine/ops/quant.hpp"

namespace hayloft::engine::ops {

inline constexpr int kQK = 32;    // elements per block of the 32-block types
inline constexpr int kQKK = 256;  // elements per K-quant super-block
inline constexpr int kKScaleBytes = 12;  // packed 6-bit scales + mins of Q4_K/Q5_K

// Software half <-> float (the reference must not depend on F16C; SIMD files use the instruction).
inline float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1f;
  const uint32_t man = h & 0x3ff;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (man << 13);  // inf / NaN keep their payload
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (man << 13);  // rebias 15 -> 127
  } else if (man == 0) {
    bits = sign;
  } else {  // subnormal half: man * 2^-24, exact in float
    float v = std::ldexp(float(man), -24);
    std::memcpy(&bits, &v, 4);
    bits |= sign;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint16_t sign = uint16_t((x >> 16) & 0x8000);
  const uint32_t ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) return uint16_t(sign | 0x7c00 | (ax > 0x7f800000u ? 0x200 : 0));  // inf / NaN
  if (ax >= 0x477ff000u) return uint16_t(sign | 0x7c00);  // rounds to >= 65520: overflow to inf
  if (ax < 0x38800000u) {
    // Result is subnormal (or zero): value / 2^-24 rounded to nearest even, done in float, exact here.
    float a;
    std::memcpy(&a, &ax, 4);
    return uint16_t(sign | uint16_t(std::nearbyint(a * 16777216.0f)));
  }
  // Normal: drop 13 mantissa bits, round to nearest even; a carry into the exponent is correct as is.
  const uint32_t rounded = ax + 0xfffu + ((ax >> 13) & 1u);
  return uint16_t(sign | ((rounded - (112u << 23)) >> 13));
}

inline float bf16_to_float(uint16_t h) {
  const uint32_t bits = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// ---- block layouts (ggml-common.h) ----
struct __attribute__((packed)) BlockQ4_0 { uint16_t d; uint8_t qs[16]; };             // q = nibble - 8
struct __attribute__((packed)) BlockQ4_1 { uint16_t d, m; uint8_t qs[16]; };          // x = d*q + m
struct __attribute__((packed)) BlockQ5_0 { uint16_t d; uint8_t qh[4]; uint8_t qs[16]; };  // q = 5 bit - 16
struct __attribute__((packed)) BlockQ5_1 { uint16_t d, m; uint8_t qh[4]; uint8_t qs[16]; };
struct __attribute__((packed)) BlockQ8_0 { uint16_t d; int8_t qs[32]; };
struct __attribute__((packed)) BlockQ8_1 { uint16_t d, s; int8_t qs[32]; };           // s = d * sum(qs)
struct __attribute__((packed)) BlockQ4_K {
  uint16_t d, dmin;
  uint8_t scales[kKScaleBytes];  // 8 (scale, min) pairs of 6 bits, see k_scale_min
  uint8_t qs[128];               // per 64 elements: 32 bytes, low nibbles first 32, high nibbles next 32
};
struct __attribute__((packed)) BlockQ5_K {
  uint16_t d, dmin;
  uint8_t scales[kKScaleBytes];
  uint8_t qh[32];   // bit 2j / 2j+1 of qh[l]: fifth bit of element 64j+l / 64j+32+l
  uint8_t qs[128];
};
struct __attribute__((packed)) BlockQ6_K {
  uint8_t ql[128];   // low 4 bits
  uint8_t qh[64];    // high 2 bits
  int8_t scales[16]; // one per 16 elements
  uint16_t d;
};
struct __attribute__((packed)) BlockQ8_K {
  float d;
  int8_t qs[256];
  int16_t bsums[16];  // sum of qs over each 16 elements
};
static_assert(sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20 && sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24 && sizeof(BlockQ8_0) == 34 && sizeof(BlockQ8_1) == 36);
static_assert(sizeof(BlockQ4_K) == 144 && sizeof(BlockQ5_K) == 176 && sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);

// Scale and min j (0..7) of a Q4_K/Q5_K super-block: the first four are the low 6 bits of bytes j / j+4;
// the last four take their low 4 bits from byte j+4 (scale: low nibble, min: high nibble) and their top
// 2 bits from the spare top bits of bytes j-4 (scale) and j (min).
inline void k_scale_min(int j, const uint8_t* q, int* scale, int* min) {
  if (j < 4) {
    *scale = q[j] & 63;
    *min = q[j + 4] & 63;
  } else {
    *scale = (q[j + 4] & 0x0f) | ((q[j - 4] >> 6) << 4);
    *min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

inline int16_t load_bsum(const BlockQ8_K& b, int i) {
  int16_t v;
  std::memcpy(&v, reinterpret_cast<const uint8_t*>(&b) + offsetof(BlockQ8_K, bsums) + 2 * i, 2);
  return v;
}
inline uint32_t load_qh32(const uint8_t* qh) {
  uint32_t v;
  std::memcpy(&v, qh, 4);
  return v;  // little-endian, as ggml reads it
}

// ---- BlockTraits: one per type. For the 32-block types, `quants` yields the integer weights the
// reference dot multiplies (signed with the offset applied, or unsigned for the types with a min), and
// dequantize is x = d * q (+ m). K-quants have their own reference dot in quant_ref.cpp.
template <TensorType T> struct BlockTraits;

template <> struct BlockTraits<TensorType::kQ4_0> {
  using Block = BlockQ4_0;
  static constexpr int kElems = kQK;
  static constexpr TensorType kAct = TensorType::kQ8_0;
  static constexpr bool kHasMin = false;
  static void quants(const Block& b, int* q) {
    for (int j = 0; j < 16; ++j) {
      q[j] = (b.qs[j] & 0x0f) - 8;
      q[j + 16] = (b.qs[j] >> 4) - 8;
    }
  }
  static float scale(const Block& b) { return half_to_float(b.d); }
  static float min(const Block&) { return 0.0f; }
};

template <> struct BlockTraits<TensorType::kQ4_1> {
  using Block = BlockQ4_1;
  static constexpr int kElems = kQK;
  static constexpr TensorType kAct = TensorType::kQ8_1;
  static constexpr bool kHasMin = true;
  static void quants(const Block& b, int* q) {
    for (int j = 0; j < 16; ++j) {
      q[j] = b.qs[j] & 0x0f;
      q[j + 16] = b.qs[j] >> 4;
    }
  }
  static float scale(const Block& b) { return half_to_float(b.d); }
  static float min(const Block& b) { return half_to_float(b.m); }
};

template <> struct BlockTraits<TensorType::kQ5_0> {
  using Block = BlockQ5_0;
  static constexpr int kElems = kQK;
  static constexpr TensorType kAct = TensorType::kQ8_0;
  static constexpr bool kHasMin = false;
  static void quants(const Block& b, int* q) {
    const uint32_t qh = load_qh32(b.qh);  // bit j: fifth bit of element j (j < 32)
    for (int j = 0; j < 16; ++j) {
      q[j] = ((b.qs[j] & 0x0f) | (((qh >> j) & 1) << 4)) - 16;
      q[j + 16] = ((b.qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) - 16;
    }
  }
  static float scale(const Block& b) { return half_to_float(b.d); }
  static float min(const Block&) { return 0.0f; }
};

template <> struct BlockTraits<TensorType::kQ5_1> {
  using Block = BlockQ5_1;
  static constexpr int kElems = kQK;
  static constexpr TensorType kAct = TensorType::kQ8_1;
  static constexpr bool kHasMin = true;
  static void quants(const Block& b, int* q) {
    const uint32_t qh = load_qh32(b.qh);
    for (int j = 0; j < 16; ++j) {
      q[j] = (b.qs[j] & 0x0f) | (((qh >> j) & 1) << 4);
      q[j + 16] = (b.qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
    }
  }
  static float scale(const Block& b) { return half_to_float(b.d); }
  static float min(const Block& b) { return half_to_float(b.m); }
};

template <> struct BlockTraits<TensorType::kQ8_0> {
  using Block = BlockQ8_0;
  static constexpr int kElems = kQK;
  static constexpr TensorType kAct = TensorType::kQ8_0;
  static constexpr bool kHasMin = false;
  static void quants(const Block& b, int* q) {
    for (int j = 0; j < 32; ++j) q[j] = b.qs[j];
  }
  static float scale(const Block& b) { return half_to_float(b.d); }
  static float min(const Block&) { return 0.0f; }
};

template <> struct BlockTraits<TensorType::kQ8_1> {
  using Block = BlockQ8_1;
  static constexpr int kElems = kQK;
  static constexpr TensorType kAct = TensorType::kQ8_1;
  static constexpr bool kHasMin = false;  // s is a sum for the partner's min, not a min of its own
  static void quants(const Block& b, int* q) {
    for (int j = 0; j < 32; ++j) q[j] = b.qs[j];
  }
  static float scale(const Block& b) { return half_to_float(b.d); }
  static float min(const Block&) { return 0.0f; }
};

}  // namespace hayloft::engine::ops
