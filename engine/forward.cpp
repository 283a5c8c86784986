// The forward pass: one function for every architecture, steered by ArchSpec flags and each layer's FFN
// kind. How its matrix products and attention are spread over the workers lives beside it
// (schedule_matmul.cpp, schedule_attention.cpp); this file is the model, step by step.
#include <cmath>

#include "engine/ops/activation.hpp"
#include "engine/ops/attention.hpp"
#include "engine/ops/glu.hpp"
#include "engine/ops/norm.hpp"
#include "engine/session_state.hpp"
#include "util/error.hpp"

namespace hayloft::engine {

void Session::State::forward(const int32_t* tokens, int64_t n, bool want_logits) {
  const Hparams& hp = m->hp;
  const ArchSpec& spec = *m->spec;
  const int64_t E = hp.n_embd, QD = hp.q_dim(), KD = hp.kv_dim(), HD = hp.head_dim;
  const size_t elem = kv_f16 ? 2 : 4;

  // 1. Token embeddings: dequantize each token's row; Gemma scales them by sqrt(n_embd), granite by its
  //    embedding_scale.
  const float embed_scale = spec.embed_scale ? std::sqrt(static_cast<float>(E))
                            : hp.embedding_scale != 0 ? hp.embedding_scale : 1.0f;
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

    // 4. RMSNorm of Q and K before RoPE: per head (qwen3, gemma3) or over all heads at once (olmoe).
    if (spec.qk_norm == QkNorm::kPerHead) {
      for (int64_t h = 0; h < n * hp.n_head; ++h) ops::rmsnorm(q.data() + h * HD, L.q_norm.data(), q.data() + h * HD, HD, hp.eps);
      for (int64_t h = 0; h < n * hp.n_head_kv; ++h) ops::rmsnorm(k.data() + h * HD, L.k_norm.data(), k.data() + h * HD, HD, hp.eps);
    } else if (spec.qk_norm == QkNorm::kFullWidth) {
      for (int64_t t = 0; t < n; ++t) ops::rmsnorm(q.data() + t * QD, L.q_norm.data(), q.data() + t * QD, QD, hp.eps);
      for (int64_t t = 0; t < n; ++t) ops::rmsnorm(k.data() + t * KD, L.k_norm.data(), k.data() + t * KD, KD, hp.eps);
    }

    // 5. RoPE at positions pos..pos+n-1; gemma3's local layers use their own base. llama4's RoPE-less
    //    layers scale Q by the temperature of its position instead; its RoPE layers then L2-normalise
    //    each head of Q and K (an unweighted RMSNorm).
    const ops::RopeTable& rope = L.sliding ? m->rope_local : m->rope_global;
    if (L.rope) {
      for (int64_t t = 0; t < n; ++t) {
        ops::rope(q.data() + t * QD, static_cast<int>(hp.n_head), static_cast<int>(HD), pos + t, rope);
        ops::rope(k.data() + t * KD, static_cast<int>(hp.n_head_kv), static_cast<int>(HD), pos + t, rope);
      }
      if (hp.qk_l2_norm) {
        for (int64_t h = 0; h < n * hp.n_head; ++h) ops::rmsnorm(q.data() + h * HD, nullptr, q.data() + h * HD, HD, hp.eps);
        for (int64_t h = 0; h < n * hp.n_head_kv; ++h) ops::rmsnorm(k.data() + h * HD, nullptr, k.data() + h * HD, HD, hp.eps);
      }
    } else if (hp.attn_temp_scale != 0) {
      for (int64_t t = 0; t < n; ++t) {
        // As llama.cpp computes it: float position, double log, stored as float.
        const float p = static_cast<float>(pos + t);
        const float s = static_cast<float>(
            std::log(std::floor((p + hp.attn_temp_offset) / hp.attn_temp_floor) + 1.0) * hp.attn_temp_scale + 1.0);
        for (int64_t i = 0; i < QD; ++i) q.data()[t * QD + i] *= s;
      }
    }

    // 6. Append K and V to this layer's ring (f16 or f32).
    for (int64_t t = 0; t < n; ++t) {
      const size_t slot = static_cast<size_t>((pos + t) % c.cap);
      ops::store_kv(k.data() + t * KD, c.k.data() + slot * static_cast<size_t>(KD) * elem, KD, kv_f16);
      ops::store_kv(v.data() + t * KD, c.v.data() + slot * static_cast<size_t>(KD) * elem, KD, kv_f16);
    }

    // 7. Grouped-query attention with the causal (and sliding-window) mask -> att [n, QD].
    attention(L, il, n);

    // 8. Output projection -> xn [n, E]; gemma3 normalises it, granite scales it; residual add.
    const MatJob o[1] = {{&L.wo, xn.data()}};
    matmul(o, 1, att.data(), n);
    residual_add(L.post_attn_norm, n);

    // 9. FFN: xn = rmsnorm(x) * ffn_norm; the layer's kind of FFN -> xn [n, E]; gemma3 normalises the
    //    output; residual add.
    for (int64_t t = 0; t < n; ++t) ops::rmsnorm(x.data() + t * E, L.ffn_norm.data(), xn.data() + t * E, E, hp.eps);
    switch (L.ffn) {
      case FfnKind::kDense:
        ffn_glu(L.gate, L.up, L.down, n);
        break;
      case FfnKind::kMoe:
        ffn_moe(L, il, n);  // engine/moe.cpp
        break;
    }
    residual_add(L.post_ffn_norm, n);
  }
  pos += n;
  if (!want_logits) return;

  // 10. Final norm of the last token, LM head (tied to token_embd when output.weight is absent), soft-cap.
  ops::rmsnorm(x.data() + (n - 1) * E, m->output_norm.data(), xn.data(), E, hp.eps);
  const MatJob head[1] = {{&m->output, logits.data()}};
  matmul(head, 1, xn.data(), 1);
  ops::softcap(logits.data(), hp.vocab, hp.final_softcap);
  if (hp.logit_scale != 0) {
    const float inv = 1.0f / hp.logit_scale;  // granite: ggml_scale(logits, 1 / logit_scale)
    for (int64_t i = 0; i < hp.vocab; ++i) logits.data()[i] *= inv;
  }
}

// x += sub-layer output xn [n, E], after gemma3's post-norm (post_norm non-empty) or granite's residual
// scale.
void Session::State::residual_add(const std::vector<float>& post_norm, int64_t n) {
  const Hparams& hp = m->hp;
  const int64_t E = hp.n_embd;
  for (int64_t t = 0; t < n; ++t) {
    float* xo = xn.data() + t * E;
    if (m->spec->post_norms) ops::rmsnorm(xo, post_norm.data(), xo, E, hp.eps);
    if (hp.residual_scale != 0) {
      for (int64_t i = 0; i < E; ++i) xo[i] *= hp.residual_scale;
    }
    float* xt = x.data() + t * E;
    for (int64_t i = 0; i < E; ++i) xt[i] += xo[i];
  }
}

// Gated FFN on xn [n, E] with these weights (a dense layer's, or a shared expert's): gate and up [n, F]
// in one dispatch, GLU, down -> xn [n, E].
void Session::State::ffn_glu(const Weight& wg, const Weight& wu, const Weight& wd, int64_t n) {
  const int64_t F = wg.rows;
  const MatJob gu[2] = {{&wg, gate.data()}, {&wu, up.data()}};
  matmul(gu, 2, xn.data(), n);
  glu(n, F);
  const MatJob down[1] = {{&wd, xn.data()}};
  matmul(down, 1, gate.data(), n);
}

// gate = act(gate) * up over [n, F]: vectorized across the workers for a batch, scalar for one token.
void Session::State::glu(int64_t n, int64_t F) {
  const GluKind kind = m->spec->glu;
  const int64_t count = n * F;
  if (n > 1) {
    glu_batch(kind, count);
  } else if (kind == GluKind::kGeGlu) {
    ops::geglu(gate.data(), up.data(), gate.data(), count);
  } else {
    ops::swiglu(gate.data(), up.data(), gate.data(), count);
  }
}

}  // namespace hayloft::engine
