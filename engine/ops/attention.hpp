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

// Decode attention (one query token) in two passes over slices of positions, so that slices can run on
// different workers, each reading its share of the cache once for all n_q query heads q[n_q, head_dim]
// of KV head kv_head (GQA), and the values are still weighted as attend() weights them: softmax
// normalised over all positions, then rounded to f16 against an f16 cache (as ggml does).
//  1. attend_scores over [p_begin, p_end): e[h * e_stride + j] = exp(s_j - m[h]) for j < p_end - p_begin,
//     with s_j = q_h . k_j * scale (soft-capped if cap > 0; q rounded to f16 against an f16 cache),
//     m[h] = max_j s_j and l[h] = sum_j e_j.
//  2. attend_values over the same slice: o[h * head_dim + d] = sum_j r(e_j * c[h]) v_j[d], where the
//     caller computes c[h] = exp(m[h] - M) / L from every slice's m and l (M their max, L the sum of
//     l * exp(m - M)), and r() rounds to f16 for an f16 cache. The slices' o add up to the output.
// The dispatching versions pick AVX2 when head_dim is a multiple of 8 (at most 256) and n_q <= 16, else
// the scalar _ref versions, which tests compare them with.
void attend_scores(const float* q, int n_q, const KvLayerView& kv, int kv_head, int head_dim, int64_t p_begin,
                   int64_t p_end, float scale, float cap, float* e, int64_t e_stride, float* m, double* l);
void attend_values(const float* e, int64_t e_stride, const float* c, int n_q, const KvLayerView& kv,
                   int kv_head, int head_dim, int64_t p_begin, int64_t p_end, float* o);
void attend_scores_avx2(const float* q, int n_q, const KvLayerView& kv, int kv_head, int head_dim,
                        int64_t p_begin, int64_t p_end, float scale, float cap, float* e, int64_t e_stride,
                        float* m, double* l);
void attend_values_avx2(const float* e, int64_t e_stride, const float* c, int n_q, const KvLayerView& kv,
                        int kv_head, int head_dim, int64_t p_begin, int64_t p_end, float* o);
void attend_scores_ref(const float* q, int n_q, const KvLayerView& kv, int kv_head, int head_dim,
                       int64_t p_begin, int64_t p_end, float scale, float cap, float* e, int64_t e_stride,
                       float* m, double* l);
void attend_values_ref(const float* e, int64_t e_stride, const float* c, int n_q, const KvLayerView& kv,
                       int kv_head, int head_dim, int64_t p_begin, int64_t p_end, float* o);

// Writes n floats into a cache slot as f16 (round to nearest even) or f32.
void store_kv(const float* src, void* dst, int64_t n, bool f16);

// f16 <-> f32 for one value (F16C is part of the baseline ISA).
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);

}  // namespace hayloft::engine::ops
