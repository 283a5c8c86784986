#pragma once
// Element-wise ops of the FFN and attention (engine-internal): softmax, SiLU, GELU (tanh approximation,
// as ggml and Gemma use), the gated products SwiGLU/GeGLU, and tanh soft-capping.
#include <cstdint>

namespace hayloft::engine::ops {

// In place over x[n]; subtracts the max first so large logits do not overflow. n == 0 is a no-op.
void softmax(float* x, int64_t n);

float silu(float x);
float gelu_tanh(float x);
// gelu_tanh(f16(x)) rounded to f16 for |x| < 10 (0 below, x above): ggml's GGML_GELU_FP16 lookup table,
// which llama.cpp's CPU backend uses for GELU and GeGLU.
float gelu_f16(float x);
// The same table as floats, indexed by the f16 bits of x (65536 entries), for vectorized gathers.
const float* gelu_f16_values();

// out[i] = act(gate[i]) * up[i]; out may alias gate. geglu uses gelu_f16, as llama.cpp does.
void swiglu(const float* gate, const float* up, float* out, int64_t n);
void geglu(const float* gate, const float* up, float* out, int64_t n);

// x = cap * tanh(x / cap), in place (Gemma-style logit soft-capping); cap <= 0 leaves x unchanged.
void softcap(float* x, int64_t n, float cap);

}  // namespace hayloft::engine::ops
