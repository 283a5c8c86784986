#pragma once
// Causal attention for a batch of queries (prefill), tiled (engine-internal op). The single-query
// attend() in attention.hpp stays the decode path; this one serves n_tokens > 1.
//
// Work is cut into items of (one KV head, one block of consecutive query tokens): all query heads of a
// GQA group share the item, so every K/V tile converted from the cache serves group x block rows. Per
// item, keys are visited in tiles: S = Q . K^T by sgemm, causal / sliding-window mask, online softmax
// (running max and sum per row), O += P . V by sgemm, and O / sum at the end. Sliding layers visit only
// tiles that intersect the window of some query in the block.
//
// Rounding follows ggml's (non-flash) attention, as attend() does: with an f16 cache, Q is rounded to f16
// before Q . K and the softmax weights are rounded to f16 before P . V.
#include <cstddef>
#include <cstdint>

#include "engine/ops/attention.hpp"

namespace hayloft::engine::ops {

struct BatchAttnArgs {
  const float* q = nullptr;  // [n_tokens, q_stride]: head h of token t at q[t * q_stride + h * head_dim]
  float* out = nullptr;      // same layout as q
  int64_t q_stride = 0;      // floats per token (n_head * head_dim)
  int64_t n_tokens = 0;
  int64_t pos = 0;           // position of token 0; token t sits at pos + t and sees keys up to it
  int n_head = 0;
  int n_head_kv = 0;         // divides n_head (query heads per KV head: n_head / n_head_kv)
  int head_dim = 0;
  int64_t window = 0;        // > 0: sliding window, query p sees keys p' with p - p' < window
  int64_t chunk = 0;         // > 0 (replaces window): chunked, query p sees keys from p / chunk * chunk on
  float scale = 1.0f;        // applied to q . k
  float cap = 0.0f;          // tanh soft-cap of the scores; <= 0: off
  bool blas = false;         // OpenBLAS sgemm even where ops::gemm_avx512 could run (tests cover both)
};

// Number of work items of a batch; items are independent (disjoint outputs) and may run on any thread.
// Item 0 is the most expensive (last query block), so handing items out in order balances the load.
int64_t attend_batch_items(const BatchAttnArgs& a);
// Scratch floats one thread needs for attend_batch_item (for these n_head, n_head_kv, head_dim).
size_t attend_batch_scratch_floats(const BatchAttnArgs& a);
// Runs one item; the cache must hold every position the item's queries see. scratch: 64-byte aligned.
void attend_batch_item(const BatchAttnArgs& a, const KvLayerView& kv, int64_t item, float* scratch);

// Internal to attend_batch_item (AVX-512 CPUs, no soft-cap): one score row's online-softmax step over
// columns [ja, jb) of s[ncols] (scale, running max m and sum l, rescale of the output row o[head_dim]);
// leaves the weights, f16-rounded for an f16 cache, in s with zeros outside [ja, jb).
void attend_softmax_row_avx512(float* s, int64_t ja, int64_t jb, int64_t ncols, float scale, bool f16, float& m,
                               float& l, float* o, int head_dim);

// Reference: attend_ref() once per (token, head). scores: scratch of pos + n_tokens floats.
void attend_batch_ref(const BatchAttnArgs& a, const KvLayerView& kv, float* scores);

}  // namespace hayloft::engine::ops
