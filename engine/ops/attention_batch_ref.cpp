// Reference batched attention: the single-query scalar reference applied per (token, head).
#include <algorithm>

#include "engine/ops/attention_batch.hpp"

namespace hayloft::engine::ops {

void attend_batch_ref(const BatchAttnArgs& a, const KvLayerView& kv, float* scores) {
  const int group = a.n_head / a.n_head_kv;
  for (int64_t t = 0; t < a.n_tokens; ++t) {
    const int64_t p = a.pos + t;
    const int64_t p_begin = a.chunk > 0    ? p / a.chunk * a.chunk
                            : a.window > 0 ? std::max<int64_t>(0, p - a.window + 1)
                                           : 0;
    for (int h = 0; h < a.n_head; ++h) {
      const int64_t off = t * a.q_stride + int64_t{h} * a.head_dim;
      attend_ref(a.q + off, kv, h / group, a.head_dim, p_begin, p + 1, a.scale, a.cap, scores, a.out + off);
    }
  }
}

}  // namespace hayloft::engine::ops
