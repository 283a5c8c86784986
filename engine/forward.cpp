// The forward pass: one function for every architecture, steered by ArchSpec flags, plus the two matrix
// product paths it uses (quantized dot kernels on the workers; dequantized tiles through ops::gemm_avx512 or
// OpenBLAS sgemm), and the batched pieces of prefill (tiled attention, vectorized GLU).
#include <cblas.h>

#include <atomic>
#include <cmath>

#include "engine/ops/activation.hpp"
#include "engine/ops/quant.hpp"
#include "engine/ops/attention.hpp"
#include "engine/ops/attention_batch.hpp"
#include "engine/ops/gemm.hpp"
#include "engine/ops/glu.hpp"
#include "engine/ops/norm.hpp"
#include "engine/session_state.hpp"
#include "util/error.hpp"

namespace hayloft::engine {

ActBuffer& Session::State::act_buffer(ops::TensorType act_type) {
  for (auto& a : acts) {
    if (a.type == act_type) return a;
  }
  HL_DASSERT(false);  // the constructor made one buffer per format the weights use
  return acts.front();
}

void Session::State::matmul(const MatJob* jobs, int n_jobs, const float* xin, int64_t n_tokens) {
  if (n_tokens > 1 && opt.prefill_gemm) {
    matmul_gemm(jobs, n_jobs, xin, n_tokens);
  } else {
    matmul_quant(jobs, n_jobs, xin, n_tokens);
  }
}

// Quantized path: convert each token's activations once per activation format, then split all rows of
// all jobs evenly across the workers; each row is dotted with every token while it is in cache.
void Session::State::matmul_quant(const MatJob* jobs, int n_jobs, const float* xin, int64_t n_tokens) {
  const int64_t cols = jobs[0].w->cols;
  constexpr int kMaxJobs = 4;
  HL_DASSERT(n_jobs <= kMaxJobs);
  const ActBuffer* act[kMaxJobs];
  int64_t total_rows = 0;
  for (int j = 0; j < n_jobs; ++j) {
    const Weight& w = *jobs[j].w;
    HL_DASSERT(w.cols == cols);
    ActBuffer& a = act_buffer(w.kern->act_type);
    if (!a.used) {
      for (int64_t t = 0; t < n_tokens; ++t) {
        w.kern->quantize_act(xin + t * cols, a.bytes.data() + static_cast<size_t>(t) * a.stride, cols);
        if (w.type == ops::TensorType::kF16) {
          // ggml multiplies f16 weights with activations rounded to f16 (its vec_dot_type); do the same so
          // logits track llama.cpp (measured: 0.30 -> 0.013 max logit difference on tiny-qwen2).
          float* f = reinterpret_cast<float*>(a.bytes.data() + static_cast<size_t>(t) * a.stride);
          for (int64_t i = 0; i < cols; ++i) f[i] = ops::f16_to_f32(ops::f32_to_f16(f[i]));
        }
      }
      a.used = true;
    }
    act[j] = &a;
    total_rows += w.rows;
  }
  if (n_tokens == 1) {
    // Decode: chunks of rows (about kDecodeChunkBytes of weights, a multiple of 4 rows) go to whichever
    // worker claims them; the kernel keeps several rows in flight.
    constexpr int64_t kDecodeChunkBytes = 32 << 10;
    const int64_t chunk = std::max<int64_t>(4, kDecodeChunkBytes / static_cast<int64_t>(jobs[0].w->row_bytes) / 4 * 4);
    auto rows = [&](int64_t begin, int64_t end) {
      int64_t base = 0;
      for (int j = 0; j < n_jobs; ++j) {
        const Weight& w = *jobs[j].w;
        const int64_t r0 = std::max(begin - base, int64_t{0});
        const int64_t r1 = std::min(end - base, w.rows);
        if (r1 > r0) w.kern->matvec(w.row(r0), w.row_bytes, act[j]->bytes.data(), jobs[j].y + r0, cols, r1 - r0);
        base += w.rows;
      }
    };
    workers->parallel_for(total_rows, chunk, rows);
    for (auto& a : acts) a.used = false;
    return;
  }
  auto work = [&](int i, int n) {
    int64_t begin, end;
    split_range(total_rows, i, n, begin, end);
    int64_t base = 0;
    for (int j = 0; j < n_jobs; ++j) {
      const Weight& w = *jobs[j].w;
      const int64_t r0 = std::max(begin - base, int64_t{0});
      const int64_t r1 = std::min(end - base, w.rows);
      const uint8_t* a = act[j]->bytes.data();
      const size_t stride = act[j]->stride;
      for (int64_t r = r0; r < r1; ++r) {
        const uint8_t* row = w.row(r);
        for (int64_t t = 0; t < n_tokens; ++t) {
          jobs[j].y[t * w.rows + r] = w.kern->dot(row, a + static_cast<size_t>(t) * stride, cols);
        }
      }
      base += w.rows;
    }
  };
  workers->parallel(work);
  for (auto& a : acts) a.used = false;
}

// Batched path: the rows of all jobs are cut into chunks of tile_rows; workers take chunks in turn (a shared
// counter, so a worker slowed by a busy core takes fewer), dequantize the chunk's rows into their own f32
// tile and multiply: y[:, r0:r0+nr] = x[T, cols] . tile[nr, cols]^T, by ops::gemm_avx512 on the packed tile
// or else by a single-threaded sgemm. Every weight row is dequantized once per forward step.
void Session::State::matmul_gemm(const MatJob* jobs, int n_jobs, const float* xin, int64_t n_tokens) {
  constexpr int kMaxJobs = 4;
  HL_DASSERT(n_jobs <= kMaxJobs);
  const int64_t cols = jobs[0].w->cols;
  int64_t first_chunk[kMaxJobs + 1] = {0};  // chunk index where job j starts
  for (int j = 0; j < n_jobs; ++j) {
    first_chunk[j + 1] = first_chunk[j] + (jobs[j].w->rows + tile_rows - 1) / tile_rows;
  }
  std::atomic<int64_t> next{0};
  auto work = [&](int i, int) {
    float* t = tile.data() + static_cast<size_t>(i) * tile_stride;
    float* packed = t + tile_rows * cols;  // 64-byte aligned: tile_rows * 4 bytes is a multiple of 64
    for (int64_t c = next.fetch_add(1, std::memory_order_relaxed); c < first_chunk[n_jobs];
         c = next.fetch_add(1, std::memory_order_relaxed)) {
      int j = 0;
      while (c >= first_chunk[j + 1]) ++j;
      const Weight& w = *jobs[j].w;
      HL_DASSERT(w.cols == cols);
      const int64_t r0 = (c - first_chunk[j]) * tile_rows, nr = std::min(tile_rows, w.rows - r0);
      for (int64_t r = 0; r < nr; ++r) w.kern->dequantize(w.row(r0 + r), t + r * cols, cols);
      if (own_gemm) {
        ops::gemm_pack_w(t, nr, cols, packed);
        ops::gemm_avx512(xin, cols, n_tokens, cols, packed, nr, jobs[j].y + r0, w.rows, false);
      } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n_tokens), static_cast<int>(nr),
                    static_cast<int>(cols), 1.0f, xin, static_cast<int>(cols), t, static_cast<int>(cols), 0.0f,
                    jobs[j].y + r0, static_cast<int>(w.rows));
      }
    }
  };
  workers->parallel(work);
}

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
      const int64_t p_begin = L.sliding ? std::max<int64_t>(0, p - hp.sliding_window + 1) : 0;
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
  const int64_t p_begin = L.sliding ? std::max<int64_t>(0, pos - hp.sliding_window + 1) : 0;
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

// Prefill GLU over gate/up [n, n_ff]: vectorized, split across the workers in 64-byte aligned ranges.
void Session::State::glu_batch(FfnKind kind, int64_t count) {
  auto work = [&](int i, int n) {
    int64_t b, e;
    split_range(count / 16, i, n, b, e);
    b *= 16;
    e = i + 1 == n ? count : e * 16;
    if (kind == FfnKind::kGeGlu) {
      ops::geglu_avx2(gate.data() + b, up.data() + b, gate.data() + b, e - b);
    } else {
      ops::swiglu_avx2(gate.data() + b, up.data() + b, gate.data() + b, e - b);
    }
  };
  workers->parallel(work);
}

void Session::State::forward(const int32_t* tokens, int64_t n, bool want_logits) {
  const Hparams& hp = m->hp;
  const ArchSpec& spec = *m->spec;
  const int64_t E = hp.n_embd, QD = hp.q_dim(), KD = hp.kv_dim(), HD = hp.head_dim, F = hp.n_ff;
  const size_t elem = kv_f16 ? 2 : 4;

  // 1. Token embeddings: dequantize each token's row; Gemma scales them by sqrt(n_embd).
  const float embed_scale = spec.embed_scale ? std::sqrt(static_cast<float>(E)) : 1.0f;
  for (int64_t t = 0; t < n; ++t) {
    float* xt = x.data() + t * E;
    m->token_embd.kern->dequantize(m->token_embd.row(tokens[t]), xt, E);
    if (embed_scale != 1.0f) {
      for (int64_t i = 0; i < E; ++i) xt[i] *= embed_scale;
    }
  }

  for (int64_t il = 0; il < hp.n_layer; ++il) {
    const LayerWeights& L = m->layers[static_cast<size_t>(il)];
    LayerKv& c = kv[static_cast<size_t>(il)];

    // 2. Attention input: xn = rmsnorm(x) * attn_norm.
    for (int64_t t = 0; t < n; ++t) ops::rmsnorm(x.data() + t * E, L.attn_norm.data(), xn.data() + t * E, E, hp.eps);

    // 3. Q [n, QD], K and V [n, KD] in one dispatch; qwen2 adds biases.
    const MatJob qkv[3] = {{&L.wq, q.data()}, {&L.wk, k.data()}, {&L.wv, v.data()}};
    matmul(qkv, 3, xn.data(), n);
    if (spec.qkv_bias) {
      for (int64_t t = 0; t < n; ++t) {
        for (int64_t i = 0; i < QD; ++i) q.data()[t * QD + i] += L.bq[static_cast<size_t>(i)];
        for (int64_t i = 0; i < KD; ++i) k.data()[t * KD + i] += L.bk[static_cast<size_t>(i)];
        for (int64_t i = 0; i < KD; ++i) v.data()[t * KD + i] += L.bv[static_cast<size_t>(i)];
      }
    }

    // 4. Per-head RMSNorm of Q and K (qwen3, gemma3), before RoPE.
    if (spec.qk_norm) {
      for (int64_t h = 0; h < n * hp.n_head; ++h) ops::rmsnorm(q.data() + h * HD, L.q_norm.data(), q.data() + h * HD, HD, hp.eps);
      for (int64_t h = 0; h < n * hp.n_head_kv; ++h) ops::rmsnorm(k.data() + h * HD, L.k_norm.data(), k.data() + h * HD, HD, hp.eps);
    }

    // 5. RoPE at positions pos..pos+n-1; gemma3's local layers use their own base.
    const ops::RopeTable& rope = L.sliding ? m->rope_local : m->rope_global;
    for (int64_t t = 0; t < n; ++t) {
      ops::rope(q.data() + t * QD, static_cast<int>(hp.n_head), static_cast<int>(HD), pos + t, rope);
      ops::rope(k.data() + t * KD, static_cast<int>(hp.n_head_kv), static_cast<int>(HD), pos + t, rope);
    }

    // 6. Append K and V to this layer's ring (f16 or f32).
    for (int64_t t = 0; t < n; ++t) {
      const size_t slot = static_cast<size_t>((pos + t) % c.cap);
      ops::store_kv(k.data() + t * KD, c.k.data() + slot * static_cast<size_t>(KD) * elem, KD, kv_f16);
      ops::store_kv(v.data() + t * KD, c.v.data() + slot * static_cast<size_t>(KD) * elem, KD, kv_f16);
    }

    // 7. Grouped-query attention with the causal (and sliding-window) mask -> att [n, QD].
    attention(L, il, n);

    // 8. Output projection -> xn [n, E]; gemma3 normalises it; residual add.
    const MatJob o[1] = {{&L.wo, xn.data()}};
    matmul(o, 1, att.data(), n);
    for (int64_t t = 0; t < n; ++t) {
      float* xo = xn.data() + t * E;
      if (spec.post_norms) ops::rmsnorm(xo, L.post_attn_norm.data(), xo, E, hp.eps);
      float* xt = x.data() + t * E;
      for (int64_t i = 0; i < E; ++i) xt[i] += xo[i];
    }

    // 9. FFN: xn = rmsnorm(x) * ffn_norm; gate and up [n, F] in one dispatch; GLU; down -> xn [n, E];
    //    gemma3 normalises the output; residual add.
    for (int64_t t = 0; t < n; ++t) ops::rmsnorm(x.data() + t * E, L.ffn_norm.data(), xn.data() + t * E, E, hp.eps);
    const MatJob gu[2] = {{&L.gate, gate.data()}, {&L.up, up.data()}};
    matmul(gu, 2, xn.data(), n);
    if (n > 1) {
      glu_batch(spec.ffn, n * F);
    } else if (spec.ffn == FfnKind::kGeGlu) {
      ops::geglu(gate.data(), up.data(), gate.data(), n * F);
    } else {
      ops::swiglu(gate.data(), up.data(), gate.data(), n * F);
    }
    const MatJob down[1] = {{&L.down, xn.data()}};
    matmul(down, 1, gate.data(), n);
    for (int64_t t = 0; t < n; ++t) {
      float* xo = xn.data() + t * E;
      if (spec.post_norms) ops::rmsnorm(xo, L.post_ffn_norm.data(), xo, E, hp.eps);
      float* xt = x.data() + t * E;
      for (int64_t i = 0; i < E; ++i) xt[i] += xo[i];
    }
  }
  pos += n;
  if (!want_logits) return;

  // 10. Final norm of the last token, LM head (tied to token_embd when output.weight is absent), soft-cap.
  ops::rmsnorm(x.data() + (n - 1) * E, m->output_norm.data(), xn.data(), E, hp.eps);
  const MatJob head[1] = {{&m->output, logits.data()}};
  matmul(head, 1, xn.data(), 1);
  ops::softcap(logits.data(), hp.vocab, hp.final_softcap);
}

}  // namespace hayloft::engine
