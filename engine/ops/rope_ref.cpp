#include "engine/ops/rope.hpp"

#include <cmath>

namespace hayloft::engine::ops {

RopeTable make_rope_table(int n_rot, float base, float freq_scale, RopeStyle style) {
  RopeTable t;
  t.n_rot = n_rot;
  t.style = style;
  t.inv_freq.resize(static_cast<size_t>(n_rot / 2));
  // Same recurrence as ggml (theta *= base^(-2/n_rot)) so angles round the same way at long positions.
  const float theta_scale = std::pow(base, -2.0f / static_cast<float>(n_rot));
  float theta = 1.0f;
  for (int i = 0; i < n_rot / 2; ++i) {
    t.inv_freq[static_cast<size_t>(i)] = theta * freq_scale;
    theta *= theta_scale;
  }
  return t;
}

void rope(float* x, int n_heads, int head_dim, int64_t pos, const RopeTable& table) {
  const int half = table.n_rot / 2;
  // The pairing decides which two dimensions rotate: (2i, 2i+1) or (i, i+half).
  const int stride = table.style == RopeStyle::kNeox ? half : 1;
  const int step = table.style == RopeStyle::kNeox ? 1 : 2;
  for (int i = 0; i < half; ++i) {
    const float angle = static_cast<float>(pos) * table.inv_freq[static_cast<size_t>(i)];
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
