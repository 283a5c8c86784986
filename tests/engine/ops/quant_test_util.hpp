#pragma once
// Shared helpers for the quant kernel tests: random rows of every type, error bounds, guarded buffers.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "engine/ops/quant.hpp"
#include "engine/ops/quant_traits.hpp"

namespace hayloft::engine::ops::testing {

inline const TensorType kAllTypes[] = {
    TensorType::kF32,  TensorType::kF16,  TensorType::kBF16, TensorType::kQ4_0, TensorType::kQ4_1,
    TensorType::kQ5_0, TensorType::kQ5_1, TensorType::kQ8_0, TensorType::kQ8_1, TensorType::kQ4_K,
    TensorType::kQ5_K, TensorType::kQ6_K, TensorType::kQ8_K,
};

inline constexpr float kEps = 1.1920929e-7f;  // float ulp at 1 (2^-23)

// Scale regimes: kNormal keeps scales near 1e-2..1; kExtreme mixes fp16's largest, smallest normal and
// subnormal scales so products span the whole half range.
enum class Scales { kNormal, kExtreme };

inline uint16_t random_half_scale(std::mt19937& rng, Scales mode) {
  std::uniform_real_distribution<float> u(0.01f, 1.0f);
  float v = u(rng);
  if (mode == Scales::kExtreme) {
    switch (rng() % 4) {
      case 0: return uint16_t(0x7bff | ((rng() & 1) << 15));   // +-65504
      case 1: return uint16_t(1 + rng() % 0x3ff);              // subnormal
      case 2: return uint16_t(0x0400);                          // smallest normal
      default: v *= 1000.0f;
    }
  }
  if (rng() & 1) v = -v;
  return float_to_half(v);
}

inline void put_half(uint8_t* p, uint16_t h) { std::memcpy(p, &h, 2); }

// A random row of n elements of `type`: random quant bits, scales from `mode` (never NaN/inf).
inline std::vector<uint8_t> random_row(TensorType type, int64_t n, std::mt19937& rng, Scales mode) {
  const TypeInfo& info = type_info(type);
  std::vector<uint8_t> row(row_bytes(type, n));
  for (auto& b : row) b = uint8_t(rng());
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const int64_t nb = n / info.block_elems;
  for (int64_t b = 0; b < nb; ++b) {
    uint8_t* p = row.data() + b * info.block_bytes;
    switch (type) {
      case TensorType::kF32: { float v = u(rng) * (mode == Scales::kExtreme ? 1e4f : 1.0f); std::memcpy(p, &v, 4); break; }
      case TensorType::kF16: put_half(p, random_half_scale(rng, mode)); break;
      case TensorType::kBF16: { float v = half_to_float(random_half_scale(rng, mode)); uint32_t x; std::memcpy(&x, &v, 4); put_half(p, uint16_t(x >> 16)); break; }
      case TensorType::kQ4_1: case TensorType::kQ5_1: case TensorType::kQ8_1:
      case TensorType::kQ4_K: case TensorType::kQ5_K:
        put_half(p, random_half_scale(rng, mode));
        put_half(p + 2, random_half_scale(rng, mode));
        break;
      case TensorType::kQ6_K: put_half(p + 208, random_half_scale(rng, mode)); break;
      case TensorType::kQ8_K: {
        float d = half_to_float(random_half_scale(rng, mode));
        std::memcpy(p, &d, 4);
        break;
      }
      default: put_half(p, random_half_scale(rng, mode)); break;  // d first
    }
  }
  return row;
}

inline std::vector<float> random_acts(int64_t n, std::mt19937& rng, Scales mode) {
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n));
  for (auto& v : x) {
    v = g(rng);
    if (mode == Scales::kExtreme) {
      switch (rng() % 5) {
        case 0: v *= 1e4f; break;
        case 1: v *= 1e-30f; break;
        case 2: v = 0.0f; break;
        default: break;
      }
    }
  }
  return x;
}

// Per-element magnitude of the min term of types with a min (Q4_1, Q5_1: m; Q4_K, Q5_K: dmin*m_j), 0 for
// the others. The dots' error bounds need |d*q| and |min| separately, as they may cancel.
inline std::vector<double> min_terms(TensorType type, const uint8_t* row, int64_t n) {
  std::vector<double> out(size_t(n), 0.0);
  const TypeInfo& info = type_info(type);
  for (int64_t b = 0; b < n / info.block_elems; ++b) {
    const uint8_t* p = row + b * info.block_bytes;
    if (type == TensorType::kQ4_1 || type == TensorType::kQ5_1) {
      uint16_t m;
      std::memcpy(&m, p + 2, 2);
      for (int j = 0; j < 32; ++j) out[size_t(b * 32 + j)] = std::fabs(half_to_float(m));
    } else if (type == TensorType::kQ4_K || type == TensorType::kQ5_K) {
      uint16_t dmin;
      std::memcpy(&dmin, p + 2, 2);
      for (int j = 0; j < 8; ++j) {
        int sc, m;
        k_scale_min(j, p + 4, &sc, &m);
        for (int l = 0; l < 32; ++l) out[size_t(b * 256 + 32 * j + l)] = std::fabs(half_to_float(dmin) * m);
      }
    }
  }
  return out;
}

// Sum over i of |a_i| * (|w_i| + 2|min_i|): bounds the sum of |terms| any blocked evaluation of the dot
// adds up (|d*q_i| <= |w_i| + |min_i|, and the min term itself).
inline double dot_magnitude(TensorType type, const uint8_t* row, const float* a, int64_t n) {
  std::vector<float> w(static_cast<size_t>(n));
  kernels(type, Isa::kScalar).dequantize(row, w.data(), n);
  const auto mins = min_terms(type, row, n);
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += std::fabs(double(a[i])) * (std::fabs(double(w[i])) + 2.0 * mins[i]);
  return s;
}

// A byte buffer with `offset` bytes of slack in front (to misalign the payload: 1..3 bytes for quantized
// data, multiples of 4 for floats, which need their natural alignment) and guard bytes after it.
struct Guarded {
  static constexpr int kGuard = 64;
  static constexpr uint8_t kFill = 0xa5;
  std::vector<uint8_t> buf;
  int offset;
  Guarded(size_t bytes, int off) : buf(bytes + size_t(off) + kGuard, kFill), offset(off) {}
  uint8_t* data() { return buf.data() + offset; }
  bool guards_intact(size_t bytes) const {
    for (size_t i = size_t(offset) + bytes; i < buf.size(); ++i)
      if (buf[i] != kFill) return false;
    for (int i = 0; i < offset; ++i)
      if (buf[size_t(i)] != kFill) return false;
    return true;
  }
};

}  // namespace hayloft::engine::ops::testing
