#pragma once
// Attention of one query head over a span of cached positions (engine-internal op). The cache of a layer
// is a ring of `cap` slots, position p living in slot p % cap: global layers have cap >= context, so the
// ring never wraps; sliding-window layers keep only window + batch slots.
#include <cstdint>

namespace hayloft::engine::ops {

struct KvLayerView {
  const void* k = nullptr;  // [cap, kv_dim], f16 or f32
  const void* v = nullptr;  // [cap, kv_dim], f16 or f32
  bool f16 = true;
  int64_t cap = 0;     // slots in the ring
  int64_t kv_dim = 0;  // n_head_kv * head_dim: elements per slot
};

// attend() picks the AVX2+FMA version (baseline ISA) when head_dim is a multiple of 8, else the scalar
// reference attend_ref(), which tests compare it with.
// q: [head_dim] (already scaled by the caller's query scale if the architecture scales queries);
// attends to positions [p_begin, p_end) of KV head kv_head with scores * scale, optional tanh soft-cap
// (cap <= 0: off). scores: scratch of p_end - p_begin floats. out: [head_dim].
void attend(const float* q, const KvLayerView& kv, int kv_head, int head_dim, int64_t p_begin,
            int64_t p_end, float scale, float cap, float* scores, float* out);
void attend_ref(const float* q, const KvLayerView& kv, int kv_head, int head_dim, int64_t p_begin,
                int64_t p_end, float scale, float cap, float* scores, float* out);
void attend_avx2(const float* q, const KvLayerView& kv, int kv_head, int head_dim, int64_t p_begin,
                 int64_t p_end, float scale, float cap, float* scores, float* out);

// Writes n floats into a cache slot as f16 (round to nearest even) or f32.
void store_kv(const float* src, void* dst, int64_t n, bool f16);

// f16 <-> f32 for one value (F16C is part of the baseline ISA).
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);

}  // namespace hayloft::engine::ops
