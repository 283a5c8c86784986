#include "engine/ops/activation.hpp"

#include <array>
#include <cmath>
#include <cstring>

#include "engine/ops/quant.hpp"

namespace hayloft::engine::ops {

void softmax(float* x, int64_t n) {
  if (n <= 0) return;
  float max = x[0];
  for (int64_t i = 1; i < n; ++i) max = x[i] > max ? x[i] : max;
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

float silu(float x) { return x / (1.0f + std::exp(-x)); }

float gelu_tanh(float x) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + 0.044715f * x * x)));
}

void swiglu(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = silu(gate[i]) * up[i];
}

namespace {

// gelu_tanh at every f16 value, stored f16 (64K entries, 128 KiB): ggml's GGML_GELU_FP16 table.
const std::array<uint16_t, 65536>& gelu_f16_table() {
  static const auto table = [] {
    std::array<uint16_t, 65536> t{};
    for (uint32_t i = 0; i < t.size(); ++i) t[i] = fp32_to_fp16(gelu_tanh(fp16_to_fp32(static_cast<uint16_t>(i))));
    return t;
  }();
  return table;
}

}  // namespace

const float* gelu_f16_values() {
  static const std::array<float, 65536> values = [] {
    std::array<float, 65536> v{};
    const auto& t = gelu_f16_table();
    for (size_t i = 0; i < v.size(); ++i) v[i] = fp16_to_fp32(t[i]);
    return v;
  }();
  return values.data();
}

float gelu_f16(float x) {
  if (x <= -10.0f) return 0.0f;
  if (x >= 10.0f) return x;
  return fp16_to_fp32(gelu_f16_table()[fp32_to_fp16(x)]);
}

void geglu(const float* gate, const float* up, float* out, int64_t n) {
  // GELU through ggml's f16 table, as llama.cpp's CPU GeGLU computes it (ggml_vec_geglu_f32 with
  // GGML_GELU_FP16): its rounding is systematic, not noise, and alone moved gemma3's logits by 0.23 at
  // position 0 (scripts/reference/compare_numerics.py). Relative error vs gelu_tanh: <= ~1e-3.
  for (int64_t i = 0; i < n; ++i) out[i] = gate[i] <= -10.0f ? 0.0f : gelu_f16(gate[i]) * up[i];
}

void softcap(float* x, int64_t n, float cap) {
  if (cap <= 0) return;
  const float inv = 1.0f / cap;
  for (int64_t i = 0; i < n; ++i) x[i] = cap * std::tanh(x[i] * inv);
}

}  // namespace hayloft::engine::ops
