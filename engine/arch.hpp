#pragma once
// ArchSpec: how supported architectures differ, as data read by the one forward pass (engine/forward.cpp).
// Adding an architecture means adding a row to the table in arch.cpp (and, when it needs an operation no
// row has yet, a flag here and one step in the forward pass) - never a copied forward pass.
#include <string_view>

#include "engine/ops/rope.hpp"

namespace hayloft::engine {

enum class Arch { kLlama, kQwen2, kQwen3, kGemma3 };

// The gated activation of a dense FFN.
enum class GluKind {
  kSwiGlu,  // down(silu(gate(x)) * up(x))
  kGeGlu,   // down(gelu_tanh(gate(x)) * up(x))
};

// What a layer's FFN step is; the forward pass switches on it (closed: a new kind is a new case there).
enum class FfnKind {
  kDense,  // gate, up, GLU, down
  kMoe,    // a router picks n_expert_used of n_expert FFNs (+ an optional shared expert); not built yet:
           // the loader throws Error{kUnsupported} for a model that needs it
};

struct ArchSpec {
  Arch arch = Arch::kLlama;
  std::string_view name;  // GGUF general.architecture
  ops::RopeStyle rope_style = ops::RopeStyle::kNormal;
  GluKind glu = GluKind::kSwiGlu;
  bool qkv_bias = false;        // qwen2: Q, K and V projections carry biases
  bool qk_norm = false;         // qwen3, gemma3: RMSNorm over each head of Q and K before RoPE
  bool post_norms = false;      // gemma3: RMSNorm on the attention output and the FFN output
  bool embed_scale = false;     // gemma: embeddings multiplied by sqrt(n_embd)
  // Sliding-window layers: with period p > 0, layer il is local when il % p < p - 1 (gemma3: 5 local, 1
  // global). Overridden by GGUF `<arch>.attention.sliding_window_pattern` when present.
  int swa_period = 0;
  float swa_rope_base = 0;      // RoPE base of local layers (gemma3: 10000); 0: same as global
  // Room for what is not built yet (all off for the supported rows; the loader rejects models needing
  // them): mixture-of-experts FFN (layers of FfnKind::kMoe), layers without RoPE every n-th layer (Llama 4), chunked-local
  // attention with this chunk size (Llama 4).
  int n_expert = 0;
  int n_expert_used = 0;
  bool shared_expert = false;
  int no_rope_every = 0;
  int attn_chunk = 0;
};

// The row for a GGUF architecture name; throws Error{kUnsupported} naming it and listing the supported.
const ArchSpec& arch_spec(std::string_view name);

}  // namespace hayloft::engine
