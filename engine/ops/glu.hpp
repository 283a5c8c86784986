#pragma once
// Vectorized gated activations for batched prefill (engine-internal op): same contract as ops::swiglu and
// ops::geglu in activation.hpp, which are their scalar references. A 512-token step of SmolLM2 evaluates
// 786K SiLUs per layer (Gemma 3: 1M GELUs), too many for a scalar expf/tanhf each; after vectorizing and
// splitting across the workers GLU is ~2% of a pp512 profile.
#include <cstdint>

namespace hayloft::engine::ops {

// out[i] = silu(gate[i]) * up[i] = gate / (1 + exp(-gate)) * up; out may alias gate.
void swiglu_avx2(const float* gate, const float* up, float* out, int64_t n);
// out[i] = gelu_f16(gate[i]) * up[i] (ggml's f16 GELU table, gathered); out may alias gate.
void geglu_avx2(const float* gate, const float* up, float* out, int64_t n);

}  // namespace hayloft::engine::ops
