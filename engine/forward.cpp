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

    // 9. FFN: xn = rmsnorm(x) * ffn_norm; the layer's kind of FFN -> xn [n, E]; gemma3 normalises the
    //    output; residual add.
    for (int64_t t = 0; t < n; ++t) ops::rmsnorm(x.data() + t * E, L.ffn_norm.data(), xn.data() + t * E, E, hp.eps);
    switch (L.ffn) {
      case FfnKind::kDense:
        ffn_dense(L, n);
        break;
      case FfnKind::kMoe:
        HL_DASSERT(false);  // Model::load refuses these until they are built
        break;
    }
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

// Dense FFN on xn [n, E]: gate and up [n, F] in one dispatch, GLU, down -> xn [n, E].
void Session::State::ffn_dense(const LayerWeights& L, int64_t n) {
  const int64_t F = m->hp.n_ff;
  const GluKind glu = m->spec->glu;
  const MatJob gu[2] = {{&L.gate, gate.data()}, {&L.up, up.data()}};
  matmul(gu, 2, xn.data(), n);
  if (n > 1) {
    glu_batch(glu, n * F);
  } else if (glu == GluKind::kGeGlu) {
    ops::geglu(gate.data(), up.data(), gate.data(), n * F);
  } else {
    ops::swiglu(gate.data(), up.data(), gate.data(), n * F);
  }
  const MatJob down[1] = {{&L.down, xn.data()}};
  matmul(down, 1, gate.data(), n);
}

}  // namespace hayloft::engine
