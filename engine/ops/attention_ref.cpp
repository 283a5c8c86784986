#include "engine/ops/attention.hpp"

#include <immintrin.h>

#include <cmath>

#include "engine/ops/activation.hpp"

namespace hayloft::engine::ops {

float f16_to_f32(uint16_t h) { return _cvtsh_ss(h); }
uint16_t f32_to_f16(float f) { return _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT); }

namespace {

// Reads element i of a cache row either as f16 or f32.
inline float load(const void* row, int64_t i, bool f16) {
  return f16 ? f16_to_f32(static_cast<const uint16_t*>(row)[i]) : static_cast<const float*>(row)[i];
}

// With an f16 cache, ggml rounds the f32 operand of each product to f16 too (Q for q.k, the softmax
// weights for w.v); matching that keeps our logits within f16 noise of llama.cpp's.
inline float round_f16(float x) { return f16_to_f32(f32_to_f16(x)); }

inline const void* slot_row(const void* base, int64_t slot, int64_t kv_dim, int64_t offset, bool f16) {
  const int64_t elem = slot * kv_dim + offset;
  return f16 ? static_cast<const void*>(static_cast<const uint16_t*>(base) + elem)
             : static_cast<const void*>(static_cast<const float*>(base) + elem);
}

}  // namespace

void attend_ref(const float* q, const KvLayerView& kv, int kv_head, int head_dim, int64_t p_begin,
                int64_t p_end, float scale, float cap, float* scores, float* out) {
  const int64_t n = p_end - p_begin;
  const int64_t offset = static_cast<int64_t>(kv_head) * head_dim;
  // scores[j] = q . k[p_begin + j] * scale
  for (int64_t j = 0; j < n; ++j) {
    const void* k = slot_row(kv.k, (p_begin + j) % kv.cap, kv.kv_dim, offset, kv.f16);
    float dot = 0;
    for (int d = 0; d < head_dim; ++d) dot += (kv.f16 ? round_f16(q[d]) : q[d]) * load(k, d, kv.f16);
    scores[j] = dot * scale;
  }
  if (cap > 0) softcap(scores, n, cap);
  softmax(scores, n);
  // out = sum_j scores[j] * v[p_begin + j]
  for (int d = 0; d < head_dim; ++d) out[d] = 0;
  for (int64_t j = 0; j < n; ++j) {
    const void* v = slot_row(kv.v, (p_begin + j) % kv.cap, kv.kv_dim, offset, kv.f16);
    const float w = kv.f16 ? round_f16(scores[j]) : scores[j];
    for (int d = 0; d < head_dim; ++d) out[d] += w * load(v, d, kv.f16);
  }
}

void attend_scores_ref(const float* q, int n_q, const KvLayerView& kv, int kv_head, int head_dim,
                       int64_t p_begin, int64_t p_end, float scale, float cap, float* e, int64_t e_stride,
                       float* m, double* l) {
  const int64_t n = p_end - p_begin;
  const int64_t offset = static_cast<int64_t>(kv_head) * head_dim;
  for (int h = 0; h < n_q; ++h) {
    const float* qh = q + static_cast<int64_t>(h) * head_dim;
    float* sc = e + h * e_stride;
    for (int64_t j = 0; j < n; ++j) {
      const void* k = slot_row(kv.k, (p_begin + j) % kv.cap, kv.kv_dim, offset, kv.f16);
      float dot = 0;
      for (int d = 0; d < head_dim; ++d) dot += (kv.f16 ? round_f16(qh[d]) : qh[d]) * load(k, d, kv.f16);
      sc[j] = dot * scale;
    }
    if (cap > 0) softcap(sc, n, cap);
    float mx = sc[0];
    for (int64_t j = 1; j < n; ++j) mx = sc[j] > mx ? sc[j] : mx;
    double sum = 0;
    for (int64_t j = 0; j < n; ++j) {
      sc[j] = std::exp(sc[j] - mx);
      sum += sc[j];
    }
    m[h] = mx;
    l[h] = sum;
  }
}

void attend_values_ref(const float* e, int64_t e_stride, const float* c, int n_q, const KvLayerView& kv,
                       int kv_head, int head_dim, int64_t p_begin, int64_t p_end, float* o) {
  const int64_t n = p_end - p_begin;
  const int64_t offset = static_cast<int64_t>(kv_head) * head_dim;
  for (int h = 0; h < n_q; ++h) {
    float* oh = o + static_cast<int64_t>(h) * head_dim;
    for (int d = 0; d < head_dim; ++d) oh[d] = 0;
    for (int64_t j = 0; j < n; ++j) {
      const void* v = slot_row(kv.v, (p_begin + j) % kv.cap, kv.kv_dim, offset, kv.f16);
      const float w = e[h * e_stride + j] * c[h];
      const float wr = kv.f16 ? round_f16(w) : w;
      for (int d = 0; d < head_dim; ++d) oh[d] += wr * load(v, d, kv.f16);
    }
  }
}

void store_kv(const float* src, void* dst, int64_t n, bool f16) {
  if (f16) {
    auto* d = static_cast<uint16_t*>(dst);
    for (int64_t i = 0; i < n; ++i) d[i] = f32_to_f16(src[i]);
  } else {
    auto* d = static_cast<float*>(dst);
    for (int64_t i = 0; i < n; ++i) d[i] = src[i];
  }
}

}  // namespace hayloft::engine::ops
