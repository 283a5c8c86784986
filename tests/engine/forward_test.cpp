// The forward pass against llama.cpp (tests/data/engine, see its README): logits of the first 8 positions
// of 3 prompts and 40-token greedy continuations, for smollm2 (llama), gemma3 and the tiny random-weight
// qwen2/qwen3 models. Also: sliding-window masking and the loader's errors on unsupported input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"
#include "engine/ops/attention.hpp"

namespace hayloft::engine {
namespace {

using nlohmann::json;
const std::string kData = std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/engine/";

json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return json::parse(in);
}

// Fixture files name models by `gguf` relative to the source root ("models/..." or "tests/data/...").
std::string model_path(const json& fixture) {
  const std::string rel = fixture["gguf"].get<std::string>();
  if (rel.rfind("models/", 0) == 0) return std::string(HAYLOFT_MODELS_DIR) + rel.substr(6);
  return std::string(HAYLOFT_SOURCE_DIR) + "/" + rel;
}

struct LogitStats {
  float max_abs = 0;
  int top1_agree = 0;
  int positions = 0;
};

// Compares our logits at each of the first n_pos positions (decode path, one token at a time, as the
// reference evaluated them causally) with llama.cpp's.
LogitStats compare_logits(const std::string& name) {
  const json fx = read_json(kData + "logits_" + name + ".json");
  auto model = Model::load(model_path(fx));
  const bool full = fx["format"] == "full";
  const int64_t vocab = fx["n_vocab"].get<int64_t>();
  EXPECT_EQ(model->info().vocab, vocab);
  LogitStats st;
  Session s(model, {.context = 128});
  for (const auto& p : fx["prompts"]) {
    std::vector<uint16_t> ref;
    if (full) {
      std::ifstream bin(kData + p["bin"].get<std::string>(), std::ios::binary);
      ref.resize(static_cast<size_t>(p["n_pos"].get<int64_t>() * vocab));
      bin.read(reinterpret_cast<char*>(ref.data()), static_cast<std::streamsize>(ref.size() * 2));
      EXPECT_TRUE(bin.good()) << p["bin"];
    }
    s.reset();
    const auto ids = p["ids"].get<std::vector<int32_t>>();
    for (int pos = 0; pos < p["n_pos"].get<int>(); ++pos) {
      std::span<const float> ours = s.decode_step(ids[static_cast<size_t>(pos)]);
      const int ours_top = static_cast<int>(std::max_element(ours.begin(), ours.end()) - ours.begin());
      const int ref_top = p["top16"][pos]["ids"][0].get<int>();
      st.top1_agree += ours_top == ref_top ? 1 : 0;
      ++st.positions;
      if (full) {
        float pmax = 0;
        for (int64_t v = 0; v < vocab; ++v) {
          const float r = ops::f16_to_f32(ref[static_cast<size_t>(pos * vocab + v)]);
          pmax = std::max(pmax, std::abs(ours[static_cast<size_t>(v)] - r));
        }
        st.max_abs = std::max(st.max_abs, pmax);
      } else {  // gemma3: top-256 and 2048 fixed probe ids
        const auto& top = p["top256"][pos];
        for (size_t j = 0; j < top["ids"].size(); ++j) {
          const float r = top["logits"][j].get<float>();
          st.max_abs = std::max(st.max_abs, std::abs(ours[top["ids"][j].get<size_t>()] - r));
        }
        const auto& probes = fx["probe_ids"];
        for (size_t j = 0; j < probes.size(); ++j) {
          const float r = p["probe_logits"][pos][j].get<float>();
          st.max_abs = std::max(st.max_abs, std::abs(ours[probes[j].get<size_t>()] - r));
        }
      }
    }
  }
  return st;
}

// Tolerances. We quantize activations like ggml (Q8_0/Q8_1/Q8_K; f16 for f16 weights; Q and softmax
// weights rounded to f16 against the f16 cache), but sum in a different order, and the reference logits
// are stored as f16 (0.016 steps at |logit| 32).
//  - tiny 2-layer models: measured 0.0156 = the f16 storage step; 0.05 allows nothing more.
//  - smollm2 (30 layers) and gemma3 (18): rounding differences grow through depth and attention.
//    Yardsticks measured on the same prompt: llama.cpp against itself, token-by-token vs batched eval,
//    differs by up to 0.61 (smollm2, positions 5-7); our own f32-activation (sgemm) path differs from our
//    Q8 path by 0.87; an f32 instead of f16 KV cache moves smollm2's logits by 0.43 at position 0 and
//    up to 1.25 by position 3. So f16-sized perturbations already cost about one logit in these models.
//    We measure 1.09 (smollm2) and 2.09 (gemma3, larger logits over 262k tokens, only top-256 + 2048
//    probes compared). Bounds: 1.5 and 2.5. A real bug (norm, RoPE, mask, scale) moves
//    logits by several units and flips top-1, which is asserted exactly.
float tolerance(const std::string& name) {
  if (name == "smollm2") return 1.5f;
  if (name == "gemma3") return 2.5f;
  return 0.05f;
}

void check_logits(const std::string& name) {
  LogitStats st = compare_logits(name);
  std::printf("[ logits ] %-10s max |ours - llama.cpp| = %.4f, top-1 agreement %d/%d\n", name.c_str(),
              st.max_abs, st.top1_agree, st.positions);
  EXPECT_LT(st.max_abs, tolerance(name)) << name;
  EXPECT_EQ(st.top1_agree, st.positions) << name;
}

TEST(Forward, LogitsMatchLlamaCppSmolLM2) { check_logits("smollm2"); }
TEST(Forward, LogitsMatchLlamaCppGemma3) { check_logits("gemma3"); }
TEST(Forward, LogitsMatchLlamaCppTinyQwen2) { check_logits("tiny-qwen2"); }
TEST(Forward, LogitsMatchLlamaCppTinyQwen3) { check_logits("tiny-qwen3"); }

// Greedy continuations must equal llama.cpp's token for token for the first kMustMatch tokens; they may
// part earlier only at a step where llama.cpp's own top-1/top-2 margin is below kNearTie: with logit noise
// of a few tenths (above), a gap that small may legitimately flip. Measured partings happen at margins
// 0.22-0.26 before step 20 and 0.40 at step 36 (gemma3 short); after kMustMatch we only report.
constexpr float kNearTie = 0.3f;
constexpr size_t kMustMatch = 20;

void check_greedy(const std::string& name, int max_steps) {
  const json fx = read_json(kData + "greedy_" + name + ".json");
  auto model = Model::load(model_path(fx));
  // The quantized prefill path rounds activations exactly as llama.cpp does for the prompt; the sgemm
  // path (f32 activations, the default) is held to the decode path in session_test.cpp.
  Session s(model, {.context = 256, .prefill_gemm = false});
  for (const auto& run : fx["runs"]) {
    const auto prompt = run["prompt_ids"].get<std::vector<int32_t>>();
    const auto ref = run["ids"].get<std::vector<int32_t>>();
    const auto margin = run["top1_top2_margin"].get<std::vector<float>>();
    s.reset();
    std::span<const float> logits = s.prefill(prompt);
    int matched = 0, checked = 0;
    for (size_t i = 0; i < ref.size() && static_cast<int>(i) < max_steps; ++i) {
      const int32_t tok = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
      ++checked;
      if (tok != ref[i]) {
        if (i >= kMustMatch) break;
        EXPECT_LT(margin[i], kNearTie) << name << "/" << run["name"] << " diverged at step " << i << ": " << tok
                                       << " vs " << ref[i] << " (llama.cpp margin " << margin[i] << ")";
        break;
      }
      ++matched;
      logits = s.decode_step(tok);
    }
    std::printf("[ greedy ] %-10s %-7s %d/%d tokens identical to llama.cpp\n", name.c_str(),
                run["name"].get<std::string>().c_str(), matched, checked);
  }
}

TEST(Forward, GreedyMatchesLlamaCppSmolLM2) { check_greedy("smollm2", 40); }
TEST(Forward, GreedyMatchesLlamaCppGemma3) { check_greedy("gemma3", 40); }
TEST(Forward, GreedyMatchesLlamaCppTinyQwen2) { check_greedy("tiny-qwen2", 40); }
TEST(Forward, GreedyMatchesLlamaCppTinyQwen3) { check_greedy("tiny-qwen3", 40); }

}  // namespace
}  // namespace hayloft::engine
