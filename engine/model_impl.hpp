#pragma once
// Model internals shared by the loader (model.cpp) and the forward pass (forward.cpp). Engine-internal.
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
  std::vector<float> q_norm, k_norm;  // [head_dim], qk_norm archs only
  std::vector<float> post_attn_norm;  // [n_embd], post_norms archs only
  std::vector<float> ffn_norm;        // [n_embd]
  Weight gate, up, down;              // [n_ff, n_embd] x2, [n_embd, n_ff]
  std::vector<float> post_ffn_norm;   // [n_embd], post_norms archs only
  bool sliding = false;               // attends to the last `sliding_window` positions only
  FfnKind ffn = FfnKind::kDense;      // gate/up/down above are bound for kDense only
};

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
