// Attention scheduling for the forward pass: how the (token, head) or (KV head, slice) work items of causal
// attention over the KV cache are spread across the workers, for decode (two-pass split softmax), batched
// prefill (tiled) and the per-query prefill path that keeps decode's numerics.
#include <algorithm>
#include <atomic>
#include <cmath>

#include "engine/ops/attention.hpp"
#include "engine/ops/attention_batch.hpp"
#include "engine/session_state.hpp"

namespace hayloft::engine {

// Batched causal attention (n_tokens > 1): tiled by (KV head, query block), see ops/attention_batch.hpp.
// Workers take items from a shared counter, most expensive first.
void Session::State::attention_batch(const LayerWeights& L, int64_t layer, int64_t n_tokens) {
  const Hparams& hp = m->hp;
  const LayerKv& c = kv[static_cast<size_t>(layer)];
  const ops::KvLayerView view{c.k.data(), c.v.data(), kv_f16, c.cap, hp.kv_dim()};
  ops::BatchAttnArgs a;
  a.q = q.data();
  a.out = att.data();
  a.q_stride = hp.q_dim();
  a.n_tokens = n_tokens;
  a.pos = pos;
  a.n_head = static_cast<int>(hp.n_head);
  a.n_head_kv = static_cast<int>(hp.n_head_kv);
  a.head_dim = static_cast<int>(hp.head_dim);
  a.window = L.sliding ? hp.sliding_window : 0;
  a.chunk = L.sliding ? hp.attn_chunk : 0;
  a.scale = hp.attn_scale;
  a.cap = hp.attn_softcap;
  const int64_t items = ops::attend_batch_items(a);
  std::atomic<int64_t> next{0};
  auto work = [&](int i, int) {
    float* scratch = attn_scratch.data() + static_cast<size_t>(i) * attn_scratch_stride;
    for (int64_t it = next.fetch_add(1, std::memory_order_relaxed); it < items;
         it = next.fetch_add(1, std::memory_order_relaxed)) {
      ops::attend_batch_item(a, view, it, scratch);
    }
  };
  workers->parallel(work);
}

// Causal attention for tokens at positions pos..pos+n-1, one (token, head) pair per work item. Sliding
// layers see only the last sliding_window positions (query p attends p0 with p - p0 < window).
void Session::State::attention(const LayerWeights& L, int64_t layer, int64_t n_tokens) {
  if (n_tokens == 1) {
    attention_decode(L, layer);
    return;
  }
  // Prefill on the sgemm path takes the tiled batched attention. The quantized prefill path keeps the
  // per-query kernel so that it stays decode's numerics exactly (session_test holds it to 1e-3): the
  // tiled version rounds the softmax weights to f16 before normalising, which moves SmolLM2's logits
  // by up to ~0.6 after 30 layers, like any f16-sized perturbation.
  if (opt.prefill_gemm) {
    attention_batch(L, layer, n_tokens);
    return;
  }
  const Hparams& hp = m->hp;
  const LayerKv& c = kv[static_cast<size_t>(layer)];
  ops::KvLayerView view{c.k.data(), c.v.data(), kv_f16, c.cap, hp.kv_dim()};
  const int64_t group = hp.n_head / hp.n_head_kv;  // query heads per KV head (GQA)
  const int64_t items = n_tokens * hp.n_head;
  auto work = [&](int i, int n) {
    int64_t begin, end;
    split_range(items, i, n, begin, end);
    float* sc = scores.data() + static_cast<size_t>(i) * static_cast<size_t>(n_ctx);
    for (int64_t item = begin; item < end; ++item) {
      const int64_t t = item / hp.n_head;
      const int64_t h = item % hp.n_head;
      const int64_t p = pos + t;
      const int64_t p_begin = L.sliding ? hp.first_visible(p) : 0;
      ops::attend(q.data() + t * hp.q_dim() + h * hp.head_dim, view, static_cast<int>(h / group),
                  static_cast<int>(hp.head_dim), p_begin, p + 1, hp.attn_scale, hp.attn_softcap, sc,
                  att.data() + t * hp.q_dim() + h * hp.head_dim);
    }
  };
  workers->parallel(work);
}

// Decode attention (one query at position pos) in two passes (see ops/attention.hpp) over work items of
// (KV head, slice of kDecodeSlice positions), claimed dynamically by the workers: each item reads its part
// of the cache once for all query heads of the group, and long contexts use every thread even with one
// KV head. Between the passes the slices' maxima and sums give each slice's normalising factor; after the
// second, slice outputs add up. The split depends on the context length only, not on the thread count.
void Session::State::attention_decode(const LayerWeights& L, int64_t layer) {
  const Hparams& hp = m->hp;
  const LayerKv& c = kv[static_cast<size_t>(layer)];
  const ops::KvLayerView view{c.k.data(), c.v.data(), kv_f16, c.cap, hp.kv_dim()};
  const int64_t HD = hp.head_dim, group = hp.n_head / hp.n_head_kv;
  const int64_t p_begin = L.sliding ? hp.first_visible(pos) : 0;
  const int64_t n = pos + 1 - p_begin;  // positions attended
  const int64_t n_slices = (n + kDecodeSlice - 1) / kDecodeSlice;
  const int64_t items = hp.n_head_kv * n_slices;
  // Per item: m, c [group] and o [group, HD] in partials, l [group] in partial_sums; scores: e [n_head,
  // n_ctx] (items write disjoint parts).
  const int64_t item_stride = group * (HD + 2);
  auto pass = [&](int64_t begin, int64_t end, bool values) {
    for (int64_t it = begin; it < end; ++it) {
      const int64_t g = it / n_slices, j0 = it % n_slices * kDecodeSlice, j1 = std::min(n, j0 + kDecodeSlice);
      float* part = partials.data() + it * item_stride;
      float* e = scores.data() + g * group * n_ctx + j0;
      if (!values) {
        ops::attend_scores(q.data() + g * group * HD, static_cast<int>(group), view, static_cast<int>(g),
                           static_cast<int>(HD), p_begin + j0, p_begin + j1, hp.attn_scale, hp.attn_softcap, e,
                           n_ctx, part, partial_sums.data() + it * group);
      } else {
        ops::attend_values(e, n_ctx, part + group, static_cast<int>(group), view, static_cast<int>(g),
                           static_cast<int>(HD), p_begin + j0, p_begin + j1, part + 2 * group);
      }
    }
  };
  auto scores_pass = [&](int64_t b, int64_t e) { pass(b, e, false); };
  workers->parallel_for(items, 1, scores_pass);
  // c = exp(m_s - M) / L per (slice, head); L = sum_s l_s exp(m_s - M), one softmax over all slices. The
  // slice holding the maximum gets softmax()'s own factor, so one slice reproduces attend() exactly.
  for (int64_t g = 0; g < hp.n_head_kv; ++g) {
    for (int64_t hh = 0; hh < group; ++hh) {
      float mx = -INFINITY;
      for (int64_t sl = 0; sl < n_slices; ++sl) mx = std::max(mx, partials.data()[(g * n_slices + sl) * item_stride + hh]);
      double sum = 0;
      for (int64_t sl = 0; sl < n_slices; ++sl) {
        const float ms = partials.data()[(g * n_slices + sl) * item_stride + hh];
        sum += partial_sums.data()[(g * n_slices + sl) * group + hh] * (ms == mx ? 1.0 : std::exp(static_cast<double>(ms - mx)));
      }
      const float inv = static_cast<float>(1.0 / sum);
      for (int64_t sl = 0; sl < n_slices; ++sl) {
        float* part = partials.data() + (g * n_slices + sl) * item_stride;
        part[group + hh] = part[hh] == mx ? inv : static_cast<float>(std::exp(static_cast<double>(part[hh] - mx)) / sum);
      }
    }
  }
  auto values_pass = [&](int64_t b, int64_t e) { pass(b, e, true); };
  workers->parallel_for(items, 1, values_pass);
  for (int64_t g = 0; g < hp.n_head_kv; ++g) {
    for (int64_t sl = 0; sl < n_slices; ++sl) {
      const float* o = partials.data() + (g * n_slices + sl) * item_stride + 2 * group;
      float* out = att.data() + g * group * HD;
      for (int64_t i = 0; i < group * HD; ++i) out[i] = sl == 0 ? o[i] : out[i] + o[i];
    }
  }
}
}  // namespace hayloft::engine
