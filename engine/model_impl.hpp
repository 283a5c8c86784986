#pragma once
// Model internals shared by the loader (model.cpp) and the forward pass (forward.cpp). Engine-internal.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/arch.hpp"
#include "engine/engine.hpp"
#include "engine/gguf.hpp"
#include "engine/ops/quant.hpp"
#include "engine/ops/rope.hpp"

namespace hayloft::engine {

// A weight matrix viewed in the mmap: rows of `cols` elements, each row_bytes long (ggml order: cols is
// shape[0], the contiguous dimension).
struct Weight {
  const uint8_t* data = nullptr;  // [rows, row_bytes]
  ops::TensorType type = ops::TensorType::kF32;
  int64_t cols = 0;
  int64_t rows = 0;
  size_t row_bytes = 0;
  const ops::TypeKernels* kern = nullptr;  // chosen once at load for this CPU and type
  const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes; }
};

struct LayerWeights {
  std::vector<float> attn_norm;       // [n_embd]
  Weight wq, wk, wv, wo;              // [n_head*head_dim, n_embd] ... wo: [n_embd, n_head*head_dim]
  std::vector<float> bq, bk, bv;      // qwen2 biases, else empty
  std::vector<float> q_norm, k_norm;  // [head_dim] (QkNorm::kPerHead) or [q_dim], [kv_dim] (kFullWidth)
  std::vector<float> post_attn_norm;  // [n_embd], post_norms archs only
  std::vector<float> ffn_norm;        // [n_embd]
  Weight gate, up, down;              // [n_ff, n_embd] x2, [n_embd, n_ff]
  std::vector<float> post_ffn_norm;   // [n_embd], post_norms archs only
  bool sliding = false;               // attends to the last `sliding_window` positions only (llama4: its chunk)
  bool rope = true;                   // llama4: every no_rope_every-th layer has no RoPE (and temperature tuning)
  FfnKind ffn = FfnKind::kDense;      // gate/up/down above are bound for kDense only
  // kMoe: the router [n_expert, n_embd] and the experts, each a 3-D GGUF tensor viewed as one matrix of
  // n_expert * rows rows (expert e's rows start at e * rows): gate/up [n_expert * n_ff_exp, n_embd], down
  // [n_expert * n_embd, n_ff_exp]. Shared expert (SharedExpert != kNone): a dense FFN of n_ff_shexp;
  // qwen2moe's gate_inp_shexp [1, n_embd] scales it.
  Weight gate_inp;
  Weight gate_exps, up_exps, down_exps;
  Weight gate_shexp, up_shexp, down_shexp, gate_inp_shexp;
  bool has_shexp = false;
};

// Most experts one token may use (sizes the per-token routing scratch; Mixtral 2, Qwen3-MoE and OLMoE 8).
constexpr int64_t kMaxExpertsUsed = 16;

// Hyper-parameters, all from GGUF metadata `<arch>.*`.
struct Hparams {
  int64_t n_embd = 0, n_layer = 0, n_head = 0, n_head_kv = 0, head_dim = 0, n_ff = 0, vocab = 0;
  int64_t n_ctx_train = 0;
  int64_t sliding_window = 0;  // 0: no sliding layers
  float eps = 1e-5f;
  float rope_base = 10000, rope_base_local = 10000, rope_freq_scale = 1;
  int n_rot = 0;
  float attn_scale = 0;      // multiplies q.k (1/sqrt(head_dim) or 1/sqrt(query_pre_attn_scalar))
  float attn_softcap = 0;    // 0: off
  float final_softcap = 0;   // 0: off
  // Mixture of experts (0 for dense models).
  int64_t n_expert = 0, n_expert_used = 0;
  int64_t n_ff_exp = 0;    // rows of each routed expert's gate/up
  int64_t n_ff_shexp = 0;  // shared expert width; 0: none
  float expert_weights_scale = 0;  // multiplies the chosen weights when not 0 or 1
  // granitemoe: embeddings x embedding_scale, sub-layer outputs x residual_scale, logits / logit_scale
  // (0: off).
  float embedding_scale = 0, residual_scale = 0, logit_scale = 0;
  // llama4: chunked attention (0: off) and the query temperature of the RoPE-less layers:
  // q *= log(floor((pos + 1) / attn_temp_floor) + 1) * attn_temp_scale + attn_temp_offset.
  int64_t attn_chunk = 0;
  float attn_temp_scale = 0, attn_temp_floor = 0, attn_temp_offset = 1;
  bool qk_l2_norm = false;  // llama4 except Maverick (128 experts): QkNorm::kL2AfterRope applies
  // First position query position p attends on a sliding layer: its chunk's start, or the window's.
  int64_t first_visible(int64_t p) const {
    if (attn_chunk > 0) return p / attn_chunk * attn_chunk;
    return std::max<int64_t>(0, p - sliding_window + 1);
  }
  int64_t max_ff() const { return std::max({n_ff, n_ff_exp, n_ff_shexp}); }
  int64_t q_dim() const { return n_head * head_dim; }
  int64_t kv_dim() const { return n_head_kv * head_dim; }
};

struct Model::Impl {
  GgufFile gguf;
  const ArchSpec* spec = nullptr;
  Hparams hp;
  ModelInfo info;
  Weight token_embd;  // [vocab, n_embd]
  Weight output;      // [vocab, n_embd]; token_embd when tied
  std::vector<float> output_norm;
  std::vector<LayerWeights> layers;
  ops::RopeTable rope_global, rope_local;
};

}  // namespace hayloft::engine
