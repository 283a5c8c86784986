// The mixture-of-experts FFN step: route every token, group the (token, slot) pairs by expert so each
// active expert runs one matrix product over all its tokens (a GEMM in prefill, a mat-vec over only its
// rows in decode), weight and sum the slots in llama.cpp's order, add the shared expert.
#include "engine/moe.hpp"

#include <algorithm>
#include <cmath>

#include "engine/ops/activation.hpp"
#include "engine/session_state.hpp"
#include "util/error.hpp"

namespace hayloft::engine {

void route_token(const float* logits, int64_t n_expert, int64_t k, const RouteOptions& o, float* probs,
                 int32_t* experts, float* weights) {
  std::copy_n(logits, n_expert, probs);
  if (o.gating == MoeGating::kSoftmax) {
    ops::softmax(probs, n_expert);
  } else {
    for (int64_t e = 0; e < n_expert; ++e) probs[e] = 1.0f / (1.0f + std::exp(-logits[e]));
  }
  const float* score = o.gating == MoeGating::kSoftmax ? probs : logits;
  // Top-k by insertion into a descending list; an equal score goes after the ones already there, so ties
  // keep the lower expert id first (a stable sort, which is what std::sort's insertion sort gives
  // llama.cpp's argsort for up to 16 experts).
  int64_t n = 0;
  for (int64_t e = 0; e < n_expert; ++e) {
    const float s = score[e];
    if (n == k && !(s > score[experts[k - 1]])) continue;
    int64_t i = n < k ? n++ : k - 1;
    while (i > 0 && s > score[experts[i - 1]]) {
      experts[i] = experts[i - 1];
      --i;
    }
    experts[i] = static_cast<int32_t>(e);
  }
  for (int64_t j = 0; j < k; ++j) weights[j] = probs[experts[j]];
  if (o.norm_topk) {
    double sum = 0;  // ggml_sum_rows accumulates in double
    for (int64_t j = 0; j < k; ++j) sum += weights[j];
    const float s = std::max(static_cast<float>(sum), 6.103515625e-5f);
    for (int64_t j = 0; j < k; ++j) weights[j] /= s;
  }
  if (o.weights_scale != 0 && o.weights_scale != 1) {
    for (int64_t j = 0; j < k; ++j) weights[j] *= o.weights_scale;
  }
}

// xn [n, E] -> xn [n, E]: routed experts (+ shared expert).
void Session::State::ffn_moe(const LayerWeights& L, int64_t layer, int64_t n) {
  route(L, layer, n);
  run_experts(L, n);
  if (L.has_shexp) {
    shared_expert(L, n);
  } else {
    std::copy_n(moe.out.data(), n * m->hp.n_embd, xn.data());
  }
}

// Router logits [n, n_expert] for xn, each token's experts and weights into this layer's routes, and
// the per-expert groups: order[begin[e], begin[e + 1]) lists expert e's (token * K + slot) pairs, by token.
void Session::State::route(const LayerWeights& L, int64_t layer, int64_t n) {
  const Hparams& hp = m->hp;
  const int64_t X = hp.n_expert, K = hp.n_expert_used;
  const MatJob r[1] = {{&L.gate_inp, moe.logits.data()}};
  matmul(r, 1, xn.data(), n);
  const RouteOptions opt{m->spec->gating, m->spec->norm_topk, hp.expert_weights_scale};
  int32_t* ex = moe.routes.data() + layer * batch * K;
  float* w = moe.route_weights.data() + layer * batch * K;
  for (int64_t t = 0; t < n; ++t) {
    route_token(moe.logits.data() + t * X, X, K, opt, moe.probs.data() + t * X, ex + t * K, w + t * K);
  }
  std::fill(moe.begin.begin(), moe.begin.end(), 0);
  for (int64_t i = 0; i < n * K; ++i) ++moe.begin[static_cast<size_t>(ex[i]) + 1];
  int64_t* load = moe.load.data() + layer * X;
  for (int64_t e = 0; e < X; ++e) {
    load[e] += moe.begin[static_cast<size_t>(e) + 1];
    moe.begin[static_cast<size_t>(e) + 1] += moe.begin[static_cast<size_t>(e)];
  }
  // Counting sort, stable: each expert's pairs stay in token order.
  std::vector<int64_t>& next = moe.next;
  std::copy(moe.begin.begin(), moe.begin.end() - 1, next.begin());
  for (int64_t i = 0; i < n * K; ++i) moe.order.data()[next[static_cast<size_t>(ex[i])]++] = static_cast<int32_t>(i);
  moe.cur_routes = ex;
  moe.cur_weights = w;
  moe.last_n = n;
}

// Each expert with tokens: gather its inputs (llama4: scaled by the weight), gate/up, GLU, down over all
// of them in one product, and scatter the outputs (others: scaled by the weight) into their slots. Then
// out[t] = slot 0 + slot 1 + ... in slot order, as llama.cpp adds its expert views.
void Session::State::run_experts(const LayerWeights& L, int64_t n) {
  const Hparams& hp = m->hp;
  const int64_t E = hp.n_embd, K = hp.n_expert_used, F = hp.n_ff_exp;
  const bool before = m->spec->weight_before_ffn;
  const float* w = moe.cur_weights;
  for (int64_t e = 0; e < hp.n_expert; ++e) {
    const int64_t b = moe.begin[static_cast<size_t>(e)], c = moe.begin[static_cast<size_t>(e) + 1] - b;
    if (c == 0) continue;
    const int32_t* pairs = moe.order.data() + b;
    for (int64_t r = 0; r < c; ++r) {
      const float* src = xn.data() + pairs[r] / K * E;
      float* dst = moe.xe.data() + r * E;
      if (before) {
        const float s = w[pairs[r]];
        for (int64_t i = 0; i < E; ++i) dst[i] = src[i] * s;
      } else {
        std::copy_n(src, E, dst);
      }
    }
    Weight g = L.gate_exps, u = L.up_exps, d = L.down_exps;  // expert e's rows of the stacks
    g.data = L.gate_exps.row(e * F);
    g.rows = F;
    u.data = L.up_exps.row(e * F);
    u.rows = F;
    d.data = L.down_exps.row(e * E);
    d.rows = E;
    const MatJob gu[2] = {{&g, gate.data()}, {&u, up.data()}};
    matmul(gu, 2, moe.xe.data(), c);
    glu(c, F);
    const MatJob down[1] = {{&d, moe.xe.data()}};
    matmul(down, 1, gate.data(), c);
    for (int64_t r = 0; r < c; ++r) {
      const float* src = moe.xe.data() + r * E;
      float* dst = moe.slots.data() + static_cast<int64_t>(pairs[r]) * E;
      if (before) {
        std::copy_n(src, E, dst);
      } else {
        const float s = w[pairs[r]];
        for (int64_t i = 0; i < E; ++i) dst[i] = src[i] * s;
      }
    }
  }
  for (int64_t t = 0; t < n; ++t) {
    float* o = moe.out.data() + t * E;
    const float* s = moe.slots.data() + t * K * E;
    std::copy_n(s, E, o);
    for (int64_t j = 1; j < K; ++j) {
      for (int64_t i = 0; i < E; ++i) o[i] += s[j * E + i];
    }
  }
}

// xn = routed sum + shared expert(xn); qwen2moe gates the shared expert per token by
// sigmoid(gate_inp_shexp . xn), computed as llama.cpp does: silu(g) / g.
void Session::State::shared_expert(const LayerWeights& L, int64_t n) {
  const int64_t E = m->hp.n_embd;
  const bool gated = m->spec->shared == SharedExpert::kSigmoidGated;
  if (gated) {
    const MatJob g[1] = {{&L.gate_inp_shexp, moe.shexp_gate.data()}};
    matmul(g, 1, xn.data(), n);
  }
  ffn_glu(L.gate_shexp, L.up_shexp, L.down_shexp, n);
  for (int64_t t = 0; t < n; ++t) {
    float* o = xn.data() + t * E;
    const float* r = moe.out.data() + t * E;
    if (gated) {
      const float g = moe.shexp_gate.data()[t];
      const float s = ops::silu(g) / g;
      for (int64_t i = 0; i < E; ++i) o[i] = r[i] + o[i] * s;
    } else {
      for (int64_t i = 0; i < E; ++i) o[i] = r[i] + o[i];
    }
  }
}

}  // namespace hayloft::engine
