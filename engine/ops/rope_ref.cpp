#include "engine/ops/rope.hpp"

#include <cmath>

namespace hayloft::engine::ops {

RopeTable make_rope_table(int n_rot, float base, float freq_scale, RopeStyle style) {
  RopeTable t;
  t.n_rot = n_rot;
  t.style = style;
  t.theta_scale = std::pow(base, -2.0f / static_cast<float>(n_rot));
  t.freq_scale = freq_scale;
  return t;
}

void rope(float* x, int n_heads, int head_dim, int64_t pos, const RopeTable& table) {
  const int half = table.n_rot / 2;
  // The pairing decides which two dimensions rotate: (2i, 2i+1) or (i, i+half).
  const int stride = table.style == RopeStyle::kNeox ? half : 1;
  const int step = table.style == RopeStyle::kNeox ? 1 : 2;
  // ggml's recurrence (ggml_rope_cache_init): theta starts at the position and is multiplied by
  // theta_scale per pair, all in f32. Rounding the angles the same way keeps K (stored f16) and Q
  // (rounded to f16 for q.k) bit-identical to llama.cpp's more often: measured in compare_numerics.py.
  float theta = static_cast<float>(pos);
  for (int i = 0; i < half; ++i, theta *= table.theta_scale) {
    const float angle = table.freq_scale * theta;
    const float c = std::cos(angle);
    const float s = std::sin(angle);
    for (int h = 0; h < n_heads; ++h) {
      float* v = x + static_cast<int64_t>(h) * head_dim + i * step;
      const float a = v[0];
      const float b = v[stride];
      v[0] = a * c - b * s;
      v[stride] = a * s + b * c;
    }
  }
}

}  // namespace hayloft::engine::ops
