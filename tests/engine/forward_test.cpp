// The forward pass against llama.cpp and against exact float64 math (tests/data/engine, see its README):
// logits of the first 8 positions of 3 prompts and 40-token greedy continuations, for smollm2 (llama),
// gemma3 and the tiny random-weight qwen2/qwen3 models. Also: sliding-window masking and the loader's
// errors on unsupported input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

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
  float max_abs = 0;          // max |ours - llama.cpp|
  int top1_agree = 0;         // positions where our top-1 is llama.cpp's
  int positions = 0;
  float f64_max_abs = 0;      // max |ours - f64| over f64's top-256 + 2048 probe ids
  float f64_top16_max = 0;    // max |ours - f64| over f64's 16 best tokens: the greedy candidates
  float llama_f64_max = 0;    // max |llama.cpp - f64| (recorded by make_f64_reference.py)
  float top1_worst_gap = 0;   // where our top-1 differs from llama.cpp's: max f64[theirs] - f64[ours]
};

// Max |ours - f64| at one position over f64's `top` best tokens and (probes) the 2048 fixed probe ids:
// f64_<model>.json holds exact math's logits at its top-256 ids and at those probes.
float f64_distance(std::span<const float> ours, const json& f64, const json& pos, size_t top, bool probes) {
  float m = 0;
  const auto& best = pos["top256"];
  for (size_t j = 0; j < std::min(top, best["ids"].size()); ++j) {
    m = std::max(m, std::abs(ours[best["ids"][j].get<size_t>()] - best["logits"][j].get<float>()));
  }
  const auto& ids = f64["probe_ids"];
  for (size_t j = 0; probes && j < ids.size(); ++j) {
    m = std::max(m, std::abs(ours[ids[j].get<size_t>()] - pos["probe_logits"][j].get<float>()));
  }
  return m;
}

// f64 logit of token id at a position (it must be among f64's top 256; else +inf below, a failure).
float f64_logit(const json& pos, int id) {
  const auto& best = pos["top256"];
  for (size_t j = 0; j < best["ids"].size(); ++j) {
    if (best["ids"][j].get<int>() == id) return best["logits"][j].get<float>();
  }
  return -std::numeric_limits<float>::infinity();
}

// Compares our logits at each of the first n_pos positions (decode path, one token at a time, as the
// reference evaluated them causally) with llama.cpp's and with exact math's.
LogitStats compare_logits(const std::string& name) {
  const json fx = read_json(kData + "logits_" + name + ".json");
  const json f64 = read_json(kData + "f64_" + name + ".json");
  auto model = Model::load(model_path(fx));
  const bool full = fx["format"] == "full";
  const int64_t vocab = fx["n_vocab"].get<int64_t>();
  EXPECT_EQ(model->info().vocab, vocab);
  LogitStats st;
  Session s(model, {.context = 128});
  for (size_t k = 0; k < fx["prompts"].size(); ++k) {
    const json& p = fx["prompts"][k];
    const json& exact = f64["prompts"][k];
    std::vector<uint16_t> ref;
    if (full) {
      std::ifstream bin(kData + p["bin"].get<std::string>(), std::ios::binary);
      ref.resize(static_cast<size_t>(p["n_pos"].get<int64_t>() * vocab));
      bin.read(reinterpret_cast<char*>(ref.data()), static_cast<std::streamsize>(ref.size() * 2));
      EXPECT_TRUE(bin.good()) << p["bin"];
    }
    s.reset();
    const auto ids = p["ids"].get<std::vector<int32_t>>();
    const int n_pos = p["n_pos"].get<int>();
    EXPECT_EQ(exact["ids"].get<std::vector<int32_t>>(), std::vector<int32_t>(ids.begin(), ids.begin() + n_pos));
    for (int pos = 0; pos < n_pos; ++pos) {
      std::span<const float> ours = s.decode_step(ids[static_cast<size_t>(pos)]);
      const int ours_top = static_cast<int>(std::max_element(ours.begin(), ours.end()) - ours.begin());
      const int ref_top = p["top16"][pos]["ids"][0].get<int>();
      st.top1_agree += ours_top == ref_top ? 1 : 0;
      ++st.positions;
      const json& epos = exact["positions"][pos];
      st.f64_max_abs = std::max(st.f64_max_abs, f64_distance(ours, f64, epos, 256, true));
      st.f64_top16_max = std::max(st.f64_top16_max, f64_distance(ours, f64, epos, 16, false));
      st.llama_f64_max = std::max(st.llama_f64_max, epos["llama_cpp_vs_f64_max_abs"].get<float>());
      if (ours_top != ref_top) {
        st.top1_worst_gap = std::max(st.top1_worst_gap, f64_logit(epos, ref_top) - f64_logit(epos, ours_top));
        std::printf("[ logits ] %s/%s position %d: top-1 ours %d, llama.cpp %d, f64 gap %+.3f\n", name.c_str(),
                    p["name"].get<std::string>().c_str(), pos, ours_top, ref_top,
                    f64_logit(epos, ref_top) - f64_logit(epos, ours_top));
      }
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

// Tolerances against llama.cpp. We quantize activations like ggml (Q8_0/Q8_1/Q8_K; f16 for f16 weights;
// Q and softmax weights rounded to f16 against the f16 cache; GELU through its f16 table) and round
// RMSNorm and RoPE angles as it does, but sum in a different order, and the reference logits are stored
// as f16 (0.016 steps at |logit| 32).
//  - tiny 2-layer models: measured 0.0156 = the f16 storage step; 0.05 allows nothing more.
//  - smollm2 (30 layers) and gemma3 (18): every op reproduces llama.cpp's from the same inputs to ~1e-7
//    (scripts/reference/compare_numerics.py --layers; the eval-callback dump in llama_layers.py), but a
//    1e-7 difference now and then moves a value across a Q8/f16 rounding boundary, one quantum (~0.4%
//    of a block's max) flips, and 30 or 18 layers amplify that to tenths of a logit. Yardsticks for this
//    noise: llama.cpp against itself, token-by-token vs batched eval, differs by up to 0.61 (smollm2) and
//    1.21 (gemma3); a numpy model with llama.cpp's exact rounding points but f64 sums by 0.92 and 1.92.
//    We measure 1.51 and 1.47 (gemma3 over llama.cpp's top-256 + 2048 probes). Bound: 2.0 for both.
//    A real bug (norm, RoPE, mask, scale) moves logits by several units; accuracy itself is judged
//    against exact math below.
float tolerance(const std::string& name) {
  if (name == "smollm2" || name == "gemma3") return 2.0f;
  return 0.05f;
}

// Exact math is the referee (f64_<model>.json, scripts/reference/make_f64_reference.py): we must be about
// as close to it as llama.cpp is: max |ours - f64| (over f64's top-256 + probes) below kF64Slack x
// max |llama.cpp - f64| (as recorded: full vocabulary, gemma3 llama.cpp's top-256 + probes). Measured:
// smollm2 1.26 vs 1.35, gemma3 1.47 vs 1.56, tiny-qwen2 0.45 vs 0.46, tiny-qwen3 0.65 vs 0.70. On
// identical id sets (compare_numerics.py) ours is 1.43 vs 1.36 (smollm2) and 1.47 vs 1.57 (gemma3).
constexpr float kF64Slack = 1.25f;

// How far a top-1/top-2 comparison of ours can be from exact math's: each of the two logits may be off by
// our max error on the tokens that compete for the top (f64's 16 best), so twice that.
float noise_bound(const LogitStats& st) { return 2 * st.f64_top16_max; }

// Measured once per model and test run; the greedy tests take their noise bound from it.
const LogitStats& logit_stats(const std::string& name) {
  static std::map<std::string, LogitStats> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, compare_logits(name)).first;
  return it->second;
}

void check_logits(const std::string& name) {
  const LogitStats& st = logit_stats(name);
  std::printf("[ logits ] %-10s max |ours - llama.cpp| = %.4f, top-1 agreement %d/%d; max |ours - f64| = %.4f "
              "(f64 top-16: %.4f), max |llama.cpp - f64| = %.4f\n", name.c_str(), st.max_abs, st.top1_agree,
              st.positions, st.f64_max_abs, st.f64_top16_max, st.llama_f64_max);
  EXPECT_LT(st.max_abs, tolerance(name)) << name;
  // Our top-1 may differ from llama.cpp's only where exact math cannot separate the two beyond our noise.
  EXPECT_LT(st.top1_worst_gap, noise_bound(st)) << name;
  EXPECT_GE(st.top1_agree, st.positions - 2) << name;
  EXPECT_LT(st.f64_max_abs, kF64Slack * st.llama_f64_max) << name << ": further from exact math than llama.cpp";
}

TEST(Forward, LogitsMatchLlamaCppSmolLM2) { check_logits("smollm2"); }
TEST(Forward, LogitsMatchLlamaCppGemma3) { check_logits("gemma3"); }
TEST(Forward, LogitsMatchLlamaCppTinyQwen2) { check_logits("tiny-qwen2"); }
TEST(Forward, LogitsMatchLlamaCppTinyQwen3) { check_logits("tiny-qwen3"); }

// Greedy continuations must equal llama.cpp's token for token for the first kMustMatch tokens. They may
// part only where exact math itself cannot tell the two tokens apart beyond our measured noise: at the
// parting step, f64_<model>.json holds the f64 logits teacher-forced on llama.cpp's tokens (so far equal
// to ours), and f64[llama.cpp's token] - f64[our token] must be below noise_bound() (each of the two
// logits may be off by our error, so a gap under twice it can flip). A negative gap means exact math
// prefers our token. After a parting the two continuations are different texts, so comparison stops.
constexpr size_t kMustMatch = 20;

struct Parting {
  float gap = 0;         // f64[llama.cpp's token] - f64[our token]
  bool in_top8 = false;  // our token is among f64's top 8 (else it cannot be a near-tie)
};

Parting f64_parting(const json& step, int32_t ours) {
  const auto& ids = step["top8"]["ids"];
  const auto& val = step["top8"]["logits"];
  // llama.cpp's token may rank below the top 8: its f64 logit is the best minus its recorded gap.
  const float llama_f64 = val[0].get<float>() - step["llama_cpp_token_gap"].get<float>();
  Parting p;
  for (size_t j = 0; j < ids.size(); ++j) {
    if (ids[j].get<int32_t>() == ours) {
      p.in_top8 = true;
      p.gap = llama_f64 - val[j].get<float>();
    }
  }
  return p;
}

void check_greedy(const std::string& name, int max_steps) {
  const json fx = read_json(kData + "greedy_" + name + ".json");
  const json f64 = read_json(kData + "f64_" + name + ".json");
  const float bound = noise_bound(logit_stats(name));
  auto model = Model::load(model_path(fx));
  // The quantized prefill path rounds activations exactly as llama.cpp does for the prompt; the sgemm
  // path (f32 activations, the default) is held to the decode path in session_test.cpp.
  Session s(model, {.context = 256, .prefill_gemm = false});
  for (size_t r = 0; r < fx["runs"].size(); ++r) {
    const json& run = fx["runs"][r];
    const json& exact = f64["greedy"][r];
    const auto prompt = run["prompt_ids"].get<std::vector<int32_t>>();
    const auto ref = run["ids"].get<std::vector<int32_t>>();
    ASSERT_EQ(exact["prompt_ids"].get<std::vector<int32_t>>(), prompt) << name << "/" << run["name"];
    ASSERT_EQ(exact["llama_cpp_ids"].get<std::vector<int32_t>>(), ref) << name << "/" << run["name"];
    s.reset();
    std::span<const float> logits = s.prefill(prompt);
    size_t matched = 0;
    std::string parting = "never";
    for (size_t i = 0; i < ref.size() && static_cast<int>(i) < max_steps; ++i) {
      const int32_t tok = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
      if (tok != ref[i]) {
        const Parting p = f64_parting(exact["steps"][i], tok);
        char buf[200];
        std::snprintf(buf, sizeof buf, "at step %zu: ours %d, llama.cpp %d, f64 gap %+.3f (bound %.3f, llama.cpp margin %.3f)",
                      i, tok, ref[i], p.gap, bound, run["top1_top2_margin"][i].get<float>());
        parting = buf;
        if (i < kMustMatch) {
          EXPECT_TRUE(p.in_top8) << name << "/" << run["name"] << " parted " << parting << ": our token is not in f64's top 8";
          EXPECT_LT(p.gap, bound) << name << "/" << run["name"] << " parted " << parting;
        }
        break;
      }
      ++matched;
      logits = s.decode_step(tok);
    }
    std::printf("[ greedy ] %-10s %-7s %zu tokens identical to llama.cpp; parted %s\n", name.c_str(),
                run["name"].get<std::string>().c_str(), matched, parting.c_str());
  }
}

TEST(Forward, GreedyMatchesLlamaCppSmolLM2) { check_greedy("smollm2", 40); }
TEST(Forward, GreedyMatchesLlamaCppGemma3) { check_greedy("gemma3", 40); }
TEST(Forward, GreedyMatchesLlamaCppTinyQwen2) { check_greedy("tiny-qwen2", 40); }
TEST(Forward, GreedyMatchesLlamaCppTinyQwen3) { check_greedy("tiny-qwen3", 40); }

}  // namespace
}  // namespace hayloft::engine
