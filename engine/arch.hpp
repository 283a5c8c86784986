#pragma once
// ArchSpec: how supported architectures differ, as data read by the one forward pass (engine/forward.cpp).
// Adding an architecture means adding a row to the table in arch.cpp (and, when it needs an operation no
// row has yet, a flag here and one step in the forward pass) - never a copied forward pass.
#include <string_view>

#include "engine/ops/rope.hpp"

namespace hayloft::engine {

enum class Arch { kLlama, kQwen2, kQwen3, kGemma3, kQwen2Moe, kQwen3Moe, kOlmoe, kGraniteMoe, kLlama4 };

// The gated activation of a dense FFN.
enum class GluKind {
  kSwiGlu,  // down(silu(gate(x)) * up(x))
  kGeGlu,   // down(gelu_tanh(gate(x)) * up(x))
};

// What a layer's FFN step is; the forward pass switches on it (closed: a new kind is a new case there).
enum class FfnKind {
  kDense,  // gate, up, GLU, down
  kMoe,    // a router picks n_expert_used of n_expert FFNs (+ an optional shared expert), engine/moe.cpp
};

// How router logits become expert weights (llama.cpp's expert gating function).
enum class MoeGating {
  kSoftmax,  // probabilities = softmax(logits); top-k by probability
  kSigmoid,  // llama4: top-k by raw logit, weight = sigmoid(logit)
};

// The always-on expert beside the routed ones.
enum class SharedExpert {
  kNone,
  kPlain,          // llama4 (and granitemoe when expert_shared_feed_forward_length is set): added as is
  kSigmoidGated,   // qwen2moe: scaled per token by sigmoid(ffn_gate_inp_shexp . x)
};

// Normalisation of Q and K before attention.
enum class QkNorm {
  kNone,
  kPerHead,    // qwen3, qwen3moe, gemma3: RMSNorm with a [head_dim] weight over each head, before RoPE
  kFullWidth,  // olmoe: RMSNorm with a [q_dim] / [kv_dim] weight over all heads at once, before RoPE
  kL2AfterRope,  // llama4: unweighted RMSNorm of each head after RoPE, on RoPE layers only
};

struct ArchSpec {
  Arch arch = Arch::kLlama;
  std::string_view name;  // GGUF general.architecture
  ops::RopeStyle rope_style = ops::RopeStyle::kNormal;
  GluKind glu = GluKind::kSwiGlu;
  bool qkv_bias = false;        // qwen2, qwen2moe: Q, K and V projections carry biases
  QkNorm qk_norm = QkNorm::kNone;
  bool post_norms = false;      // gemma3: RMSNorm on the attention output and the FFN output
  bool embed_scale = false;     // gemma: embeddings multiplied by sqrt(n_embd)
  // Sliding-window layers: with period p > 0, layer il is local when il % p < p - 1 (gemma3: 5 local, 1
  // global). Overridden by GGUF `<arch>.attention.sliding_window_pattern` when present.
  int swa_period = 0;
  float swa_rope_base = 0;      // RoPE base of local layers (gemma3: 10000); 0: same as global
  bool granite_scales = false;  // granitemoe: embedding, residual, attention and logit scales from GGUF

  // Mixture of experts. moe: every layer is FfnKind::kMoe (qwen2moe, qwen3moe, olmoe, granitemoe); llama
  // (Mixtral) becomes MoE when `<arch>.expert_count` > 0; llama4 has MoE every
  // `<arch>.interleave_moe_layer_step`-th layer and dense ones between.
  bool moe = false;
  MoeGating gating = MoeGating::kSoftmax;
  bool norm_topk = false;          // divide the k chosen weights by their sum (mixtral, qwen3moe, granitemoe)
  bool weight_before_ffn = false;  // llama4: the router weight scales the expert's input, not its output
  SharedExpert shared = SharedExpert::kNone;
  bool expert_ff_key = false;      // expert width from `<arch>.expert_feed_forward_length` (else n_ff)
  bool moe_interleave = false;     // llama4: `<arch>.interleave_moe_layer_step`
  // llama4: chunked local attention (a query sees its own chunk of attn_chunk positions) on 3 of every 4
  // layers; the 4th attends globally, without RoPE and with the query temperature tuning.
  int attn_chunk = 0;
  int no_rope_every = 0;
};

// The row for a GGUF architecture name; throws Error{kUnsupported} naming it and listing the supported.
const ArchSpec& arch_spec(std::string_view name);

}  // namespace hayloft::engine
