// Tiled batched attention against the per-query scalar reference: GQA groups 1..4, head sizes 6..256,
// f16 and f32 caches, global and sliding-window layers on a wrapping ring, batches starting at position 0
// and deep into the cache (several key tiles), soft-capping.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/ops/attention_batch.hpp"

namespace hayloft::engine::ops {
namespace {

struct Case {
  int n_head, n_head_kv, head_dim;
  int64_t pos, n_tokens, window;
  bool f16;
  float cap;
  int64_t chunk = 0;  // > 0: chunked (llama4); the session then sizes rings by window = chunk
};

// Runs both versions on random Q, K, V in [-0.5, 0.5) (Q scaled by 4) and returns the max |difference|.
float max_diff(const Case& c, bool blas) {
  uint32_t rng = 11u + static_cast<uint32_t>(c.pos * 7 + c.head_dim);
  auto next = [&rng] {
    rng = rng * 1664525u + 1013904223u;
    return static_cast<float>(rng >> 8) / 16777216.0f - 0.5f;
  };
  const int64_t kv_dim = int64_t{c.n_head_kv} * c.head_dim, q_dim = int64_t{c.n_head} * c.head_dim;
  const int64_t end = c.pos + c.n_tokens;
  // A sliding layer's ring holds window + batch slots, as the session sizes it; positions wrap.
  const int64_t cap = c.window > 0 ? std::min(end, c.window + c.n_tokens) : end;
  std::vector<uint8_t> k(static_cast<size_t>(cap * kv_dim * 4)), v(k.size());
  std::vector<float> row(static_cast<size_t>(kv_dim));
  const size_t elem = c.f16 ? 2 : 4;
  for (int64_t p = 0; p < end; ++p) {  // later positions overwrite earlier ones in the ring
    const size_t at = static_cast<size_t>((p % cap) * kv_dim) * elem;
    for (auto& x : row) x = next();
    store_kv(row.data(), k.data() + at, kv_dim, c.f16);
    for (auto& x : row) x = next();
    store_kv(row.data(), v.data() + at, kv_dim, c.f16);
  }
  std::vector<float> q(static_cast<size_t>(c.n_tokens * q_dim));
  for (auto& x : q) x = 4 * next();
  std::vector<float> out_ref(q.size(), -1.0f), out(q.size(), -2.0f), scores(static_cast<size_t>(end));
  BatchAttnArgs a;
  a.q = q.data();
  a.q_stride = q_dim;
  a.n_tokens = c.n_tokens;
  a.pos = c.pos;
  a.n_head = c.n_head;
  a.n_head_kv = c.n_head_kv;
  a.head_dim = c.head_dim;
  a.window = c.window;
  a.chunk = c.chunk;
  a.scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  a.cap = c.cap;
  a.blas = blas;
  KvLayerView view{k.data(), v.data(), c.f16, cap, kv_dim};
  a.out = out_ref.data();
  attend_batch_ref(a, view, scores.data());
  a.out = out.data();
  // 64-byte aligned scratch with a guard region that must stay untouched.
  const size_t need = attend_batch_scratch_floats(a);
  std::vector<float> scratch(need + 16 + 64, 7.0f);
  float* s = scratch.data() + (16 - (reinterpret_cast<uintptr_t>(scratch.data()) / 4) % 16) % 16;
  const int64_t items = attend_batch_items(a);
  EXPECT_GE(items, c.n_head_kv);
  for (int64_t i = items - 1; i >= 0; --i) attend_batch_item(a, view, i, s);  // any order
  for (size_t i = need; i < need + 64; ++i) EXPECT_EQ(s[i], 7.0f) << "scratch overrun at " << i;
  float worst = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (!std::isfinite(out[i])) return INFINITY;
    worst = std::max(worst, std::fabs(out[i] - out_ref[i]));
  }
  return worst;
}

// Outputs are convex combinations of V rows in [-0.5, 0.5]. With an f32 cache both versions differ only
// in summation order and in exp (polynomial, ~2e-7 relative): 2e-5 absolute. With an f16 cache each
// weight is rounded to f16 (relative 2^-11) at a different point (unnormalised here, normalised in the
// reference): at most 2 * 2^-11 * 0.5 = 4.9e-4 apart.
TEST(AttentionBatch, MatchesPerQueryReference) {
  const Case cases[] = {
      {1, 1, 8, 0, 1, 0, false, 0},        // a single query
      {4, 4, 64, 0, 37, 0, true, 0},       // no GQA, batch from position 0
      {9, 3, 64, 0, 100, 0, true, 0},      // SmolLM2's shape: groups of 3, several query blocks
      {9, 3, 64, 300, 70, 0, false, 0},    // deep batch: keys span two tiles
      {4, 1, 256, 0, 90, 0, true, 0},      // Gemma 3's shape (group 4, head_dim 256)
      {4, 1, 256, 520, 40, 16, true, 0},   // sliding window 16 on a wrapping ring
      {4, 2, 32, 700, 65, 300, false, 0},  // window wider than a key tile
      {2, 1, 6, 3, 20, 5, false, 0},       // head size not a multiple of 8
      {2, 2, 16, 10, 30, 0, false, 20.0f}, // soft-capped scores
      {4, 2, 32, 90, 50, 64, true, 0, 64},  // chunks of 64: queries 90..139 straddle the chunk start 128
      {4, 2, 16, 250, 20, 8, false, 0, 8},  // many small chunks in one batch, ring wraps
  };
  for (const Case& c : cases) {
    const float tol = c.f16 ? 5e-4f : 2e-5f;
    EXPECT_LT(max_diff(c, true), tol) << "OpenBLAS";
    EXPECT_LT(max_diff(c, false), tol) << "heads " << c.n_head << "/" << c.n_head_kv << " hd " << c.head_dim << " pos "
                                << c.pos << " n " << c.n_tokens << " window " << c.window << " f16 " << c.f16;
  }
}

}  // namespace
}  // namespace hayloft::engine::ops
