#pragma once
// Rotary position embedding (engine-internal op). Two pairings exist in GGUF models:
//  - normal (llama): dims (2i, 2i+1) rotate together (the converter permuted Q/K rows for this);
//  - neox (qwen2/3, gemma3): dims (i, i + n_rot/2) rotate together.
// Dimensions at and past n_rot are left alone (partial rotary).
#include <cstdint>

namespace hayloft::engine::ops {

enum class RopeStyle { kNormal, kNeox };

// Pair i of position p turns by freq_scale * p * base^(-2i/n_rot) radians, computed as ggml does (f32,
// theta_0 = p, theta_{i+1} = theta_i * theta_scale) so the angles round exactly like llama.cpp's.
struct RopeTable {
  int n_rot = 0;             // rotated dimensions per head (even)
  RopeStyle style = RopeStyle::kNormal;
  float theta_scale = 1.0f;  // base^(-2/n_rot), in f32 (powf)
  float freq_scale = 1.0f;   // 1/factor for linear scaling, 1 for none
};

// base: theta base (e.g. 10000, 1e6); freq_scale: 1/factor for linear scaling, 1 for none.
RopeTable make_rope_table(int n_rot, float base, float freq_scale, RopeStyle style);

// x: [n_heads, head_dim] for one token at position pos; rotated in place.
void rope(float* x, int n_heads, int head_dim, int64_t pos, const RopeTable& table);

}  // namespace hayloft::engine::ops
