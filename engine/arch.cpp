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
  s.qk_norm = true;
  return s;
}

ArchSpec make_gemma3() {
  ArchSpec s;
  s.arch = Arch::kGemma3;
  s.name = "gemma3";
  s.rope_style = ops::RopeStyle::kNeox;
  s.glu = GluKind::kGeGlu;
  s.qk_norm = true;
  s.post_norms = true;
  s.embed_scale = true;
  s.swa_period = 6;         // llama.cpp's gemma3 pattern: every 6th layer is global
  s.swa_rope_base = 10000;  // local layers keep the original base; global ones use rope.freq_base
  return s;
}

const std::array<ArchSpec, 4>& table() {
  static const std::array<ArchSpec, 4> t = {make_llama(), make_qwen2(), make_qwen3(), make_gemma3()};
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
