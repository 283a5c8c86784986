#pragma once
// Rotary position embedding (engine-internal op). Two pairings exist in GGUF models:
//  - normal (llama): dims (2i, 2i+1) rotate together (the converter permuted Q/K rows for this);
//  - neox (qwen2/3, gemma3): dims (i, i + n_rot/2) rotate together.
// Dimensions at and past n_rot are left alone (partial rotary).
#include <cstdint>
#include <vector>

namespace hayloft::engine::ops {

enum class RopeStyle { kNormal, kNeox };

struct RopeTable {
  int n_rot = 0;                // rotated dimensions per head (even)
  RopeStyle style = RopeStyle::kNormal;
  std::vector<float> inv_freq;  // [n_rot/2]: freq_scale * base^(-2i/n_rot), radians per position
};

// base: theta base (e.g. 10000, 1e6); freq_scale: 1/factor for linear scaling, 1 for none.
RopeTable make_rope_table(int n_rot, float base, float freq_scale, RopeStyle style);

// x: [n_heads, head_dim] for one token at position pos; rotated in place.
void rope(float* x, int n_heads, int head_dim, int64_t pos, const RopeTable& table);

}  // namespace hayloft::engine::ops
