#include "engine/arch.hpp"

#include <array>
#include <string>

#include "util/error.hpp"

namespace hayloft::engine {

namespace {

ArchSpec make_llama() {
  ArchSpec s;
  s.arch = Arch::kLlama;
  s.name = "llama";
  s.rope_style = ops::RopeStyle::kNormal;  // HF->GGUF conversion permutes Q/K rows for adjacent pairs
  s.norm_topk = true;                      // Mixtral (llama with expert_count): renormalised top-k
  return s;
}

ArchSpec make_qwen2() {
  ArchSpec s;
  s.arch = Arch::kQwen2;
  s.name = "qwen2";
  s.rope_style = ops::RopeStyle::kNeox;
  s.qkv_bias = true;
  return s;
}

ArchSpec make_qwen3() {
  ArchSpec s;
  s.arch = Arch::kQwen3;
  s.name = "qwen3";
  s.rope_style = ops::RopeStyle::kNeox;
  s.qk_norm = QkNorm::kPerHead;
  return s;
}

ArchSpec make_gemma3() {
  ArchSpec s;
  s.arch = Arch::kGemma3;
  s.name = "gemma3";
  s.rope_style = ops::RopeStyle::kNeox;
  s.glu = GluKind::kGeGlu;
  s.qk_norm = QkNorm::kPerHead;
  s.post_norms = true;
  s.embed_scale = true;
  s.swa_period = 6;         // llama.cpp's gemma3 pattern: every 6th layer is global
  s.swa_rope_base = 10000;  // local layers keep the original base; global ones use rope.freq_base
  return s;
}

// Mixture-of-experts rows, each routed as llama.cpp's graph for that architecture does.
ArchSpec make_qwen2moe() {
  ArchSpec s = make_qwen2();
  s.arch = Arch::kQwen2Moe;
  s.name = "qwen2moe";
  s.moe = true;
  s.expert_ff_key = true;
  s.shared = SharedExpert::kSigmoidGated;  // norm_topk stays false: softmax weights as they are
  return s;
}

ArchSpec make_qwen3moe() {
  ArchSpec s = make_qwen3();
  s.arch = Arch::kQwen3Moe;
  s.name = "qwen3moe";
  s.moe = true;
  s.expert_ff_key = true;
  s.norm_topk = true;
  return s;
}

ArchSpec make_olmoe() {
  ArchSpec s;
  s.arch = Arch::kOlmoe;
  s.name = "olmoe";
  s.rope_style = ops::RopeStyle::kNeox;
  s.qk_norm = QkNorm::kFullWidth;
  s.moe = true;  // no renormalisation
  return s;
}

ArchSpec make_granitemoe() {
  ArchSpec s;
  s.arch = Arch::kGraniteMoe;
  s.name = "granitemoe";
  s.rope_style = ops::RopeStyle::kNormal;
  s.granite_scales = true;
  s.moe = true;
  s.norm_topk = true;
  s.shared = SharedExpert::kPlain;  // only when expert_shared_feed_forward_length is set
  return s;
}

ArchSpec make_llama4() {
  ArchSpec s;
  s.arch = Arch::kLlama4;
  s.name = "llama4";
  s.rope_style = ops::RopeStyle::kNormal;
  s.qk_norm = QkNorm::kL2AfterRope;
  s.moe = true;
  s.moe_interleave = true;
  s.expert_ff_key = true;
  s.gating = MoeGating::kSigmoid;
  s.weight_before_ffn = true;
  s.shared = SharedExpert::kPlain;
  s.attn_chunk = 8192;   // llama.cpp fixes it (attention.sliding_window = 0 turns chunking off)
  s.no_rope_every = 4;
  s.swa_period = 4;      // 3 chunked, 1 global; overridden by attention.sliding_window_pattern
  return s;
}

const std::array<ArchSpec, 9>& table() {
  static const std::array<ArchSpec, 9> t = {make_llama(),    make_qwen2(),      make_qwen3(),
                                            make_gemma3(),   make_qwen2moe(),   make_qwen3moe(),
                                            make_olmoe(),    make_granitemoe(), make_llama4()};
  return t;
}

}  // namespace

const ArchSpec& arch_spec(std::string_view name) {
  std::string supported;
  for (const auto& s : table()) {
    if (s.name == name) return s;
    supported += supported.empty() ? std::string(s.name) : ", " + std::string(s.name);
  }
  throw Error(ErrorKind::kUnsupported,
              "unsupported architecture '" + std::string(name) + "' (supported: " + supported + ")");
}

}  // namespace hayloft::engine
