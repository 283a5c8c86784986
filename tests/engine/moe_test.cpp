// Mixture-of-experts models against llama.cpp (tests/data/engine/moe_<name>.json, written by
// scripts/reference/make_moe_fixtures.py from the random-weight models of make_moe_models.py): logits of
// the first 8 positions of 3 prompts, the router's experts and weights for every prompt token and MoE
// layer, and 40-token greedy continuations, for mixtral, qwen2moe, qwen3moe, olmoe, granitemoe, llama4 and
// Q4_K variants of mixtral and llama4. Also the routing rule itself (route_token) and the expert-load
// histogram.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"
#include "engine/moe.hpp"
#include "engine/ops/attention.hpp"

namespace hayloft::engine {
namespace {

using nlohmann::json;
const std::string kData = std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/engine/";
const char* const kModels[] = {"mixtral", "qwen2moe", "qwen3moe", "olmoe", "granitemoe", "llama4",
                               "mixtral-q4k", "llama4-q4k"};

json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return json::parse(in);
}

// ---- route_token -----------------------------------------------------------------------------------

TEST(MoeRoute, SoftmaxTopKRenormalisedAndTiesKeepTheLowerExpert) {
  const float logits[6] = {0.5f, 2.0f, -1.0f, 2.0f, 1.0f, 2.0f};  // experts 1, 3, 5 tie
  float probs[6], w[2];
  int32_t ex[2];
  route_token(logits, 6, 2, {MoeGating::kSoftmax, true, 0}, probs, ex, w);
  EXPECT_EQ(ex[0], 1);
  EXPECT_EQ(ex[1], 3);
  EXPECT_FLOAT_EQ(w[0], 0.5f);
  EXPECT_FLOAT_EQ(w[1], 0.5f);
  // Without renormalisation the weights are the softmax probabilities over all 6.
  route_token(logits, 6, 2, {MoeGating::kSoftmax, false, 0}, probs, ex, w);
  double z = 0;
  for (float l : logits) z += std::exp(static_cast<double>(l));
  EXPECT_NEAR(w[0], std::exp(2.0) / z, 1e-6);
  EXPECT_NEAR(probs[4], std::exp(1.0) / z, 1e-6);
}

TEST(MoeRoute, SigmoidRanksByLogitAndWeighsBySigmoid) {
  const float logits[4] = {-3.0f, 0.25f, 4.0f, 0.5f};
  float probs[4], w[1];
  int32_t ex[1];
  route_token(logits, 4, 1, {MoeGating::kSigmoid, false, 0}, probs, ex, w);
  EXPECT_EQ(ex[0], 2);
  EXPECT_FLOAT_EQ(w[0], 1.0f / (1.0f + std::exp(-4.0f)));
}

TEST(MoeRoute, ScaleMultipliesTheChosenWeights) {
  const float logits[4] = {1.0f, 3.0f, 2.0f, 0.0f};
  float probs[4], w[2], w_scaled[2];
  int32_t ex[2];
  route_token(logits, 4, 2, {MoeGating::kSoftmax, true, 0}, probs, ex, w);
  route_token(logits, 4, 2, {MoeGating::kSoftmax, true, 2.5f}, probs, ex, w_scaled);
  EXPECT_EQ(ex[0], 1);
  EXPECT_EQ(ex[1], 2);
  EXPECT_FLOAT_EQ(w_scaled[0], w[0] * 2.5f);
  EXPECT_FLOAT_EQ(w_scaled[1], w[1] * 2.5f);
}

// ---- parity with llama.cpp ---------------------------------------------------------------------------

// Tolerances. Logits: like the tiny dense models (forward_test.cpp) we quantize activations as ggml does
// and differ only in summation order, and the reference is stored as f16: its step is 0.031 for logits in
// [32, 64) (these models' top logits are ~35-45), so storage alone is up to 0.0156. A router choice that
// differs would move logits by whole units, so 0.05 also proves the routes of those positions equal.
constexpr float kLogitTol = 0.05f;
// Q4_K models: on x86 llama.cpp repacks Q4_K weights, and its own two paths disagree: batched vs one
// token at a time differ by 92 logits on moe-mixtral-q4k (a route flip) and 0.031 on moe-llama4-q4k
// (scripts/reference, measured with the fixture settings). Against its one-token path, which the fixtures
// hold, we measure 1.14 and 0.031 with every route of the first 20 tokens equal; the bound is the one the
// dense Q4_K_M gemma3 is held to (forward_test.cpp): 2.0.
constexpr float kLogitTolQ4K = 2.0f;
bool is_q4k(const std::string& name) { return name.find("q4k") != std::string::npos; }
float logit_tol(const std::string& name) { return is_q4k(name) ? kLogitTolQ4K : kLogitTol; }
// Routes are held exactly for the first kStrictTokens tokens of each prompt: same experts in the same
// order (a difference only at a near-tie of llama.cpp's own scores, kNearTie), weights within kWeightTol
// (the softmax / sigmoid of router logits that differ by summation order, ~1e-6, plus ggml's SIMD expf:
// measured <= 5e-7 on five models; llama4 2.4e-4 after the flip described next; Q4_K models up to 1.5e-2,
// their router inputs being ~1% apart as their logits are).
// Beyond that a rare rounding flip upstream makes the two engines' inputs part: per-layer dumps of
// moe-llama4 (scripts/reference/engine_dump.cpp vs llama.cpp's l_out) are bit-identical at every layer
// and position except from layer 1, position 21 on, where one Q8 quantum flipped (the sigmoid weight
// that scales the expert input differs by an ulp) and the layer's output moved by 1e-2 relative; later
// routes then see different inputs. So later tokens are counted, and must agree at least kLateAgree.
constexpr int kStrictTokens = 20;
constexpr float kWeightTol = 1e-3f, kWeightTolQ4K = 3e-2f;
constexpr float kNearTie = 1e-4f;
constexpr double kLateAgree = 0.95;

struct RouteStats {
  int tokens = 0;        // (token, layer) pairs compared
  int late = 0, late_equal = 0;  // of those, past kStrictTokens
  int equal = 0;         // same experts in the same order
  int near_ties = 0;     // different, at a near-tie of llama.cpp's scores
  int tie_cases = 0;     // layer 0 pairs where the exactly tied experts 2 and 5 decided the choice or order
  float weight_max = 0;  // max |ours - llama.cpp| weight where the experts are equal
};

// Checks our route for one token against llama.cpp's (experts best first, weights, scores of all experts).
void compare_route(const ExpertChoice& ours, const json& ref_ex, const json& ref_w, const json& ref_sc,
                   bool layer0, bool strict, RouteStats& st, const std::string& where) {
  ASSERT_EQ(ours.experts.size(), ref_ex.size()) << where;
  ++st.tokens;
  bool same = true;
  for (size_t j = 0; j < ref_ex.size(); ++j) same = same && ours.experts[j] == ref_ex[j].get<int32_t>();
  if (!strict) {
    ++st.late;
    st.late_equal += same ? 1 : 0;
    return;
  }
  if (layer0) {
    // Experts 2 and 5 have identical router rows: when both are chosen their order, and when one is
    // chosen which one, is decided by the tie-break rule alone.
    bool has2 = false, has5 = false;
    for (const auto& e : ref_ex) has2 |= e == 2, has5 |= e == 5;
    if (has2 || has5) ++st.tie_cases;
  }
  if (same) {
    ++st.equal;
    for (size_t j = 0; j < ref_w.size(); ++j) {
      st.weight_max = std::max(st.weight_max, std::abs(ours.weights[j] - ref_w[j].get<float>()));
    }
    return;
  }
  // Different: each pair of experts where the choices part must be a near-tie in llama.cpp's scores.
  for (size_t j = 0; j < ref_ex.size(); ++j) {
    const int32_t a = ours.experts[j], b = ref_ex[j].get<int32_t>();
    if (a == b) continue;
    const float gap = std::abs(ref_sc[static_cast<size_t>(a)].get<float>() - ref_sc[static_cast<size_t>(b)].get<float>());
    EXPECT_LT(gap, kNearTie) << where << ": slot " << j << " ours expert " << a << ", llama.cpp " << b;
  }
  ++st.near_ties;
}

struct ModelRun {
  float logit_max = 0;
  int top1_agree = 0, positions = 0;
  RouteStats routes;
};

// Decode path, token by token over each whole prompt: logits at the first n_pos positions against
// llama.cpp's, and the router's choice at every token and MoE layer.
ModelRun run_prompts(const std::string& name) {
  const json fx = read_json(kData + "moe_" + name + ".json");
  auto model = Model::load(std::string(HAYLOFT_SOURCE_DIR) + "/" + fx["gguf"].get<std::string>());
  const int64_t vocab = fx["n_vocab"].get<int64_t>();
  EXPECT_EQ(model->info().vocab, vocab);
  EXPECT_EQ(model->info().n_expert, fx["n_expert"].get<int64_t>());
  EXPECT_EQ(model->info().n_expert_used, fx["n_expert_used"].get<int64_t>());
  EXPECT_EQ(model->info().n_moe_layers, static_cast<int64_t>(fx["moe_layers"].size()));
  ModelRun run;
  Session s(model, {.context = 256});
  for (const json& p : fx["prompts"]) {
    std::vector<uint16_t> ref(static_cast<size_t>(p["n_pos"].get<int64_t>() * vocab));
    std::ifstream bin(kData + p["bin"].get<std::string>(), std::ios::binary);
    bin.read(reinterpret_cast<char*>(ref.data()), static_cast<std::streamsize>(ref.size() * 2));
    EXPECT_TRUE(bin.good()) << p["bin"];
    const auto ids = p["ids"].get<std::vector<int32_t>>();
    s.reset();
    for (size_t t = 0; t < ids.size(); ++t) {
      std::span<const float> ours = s.decode_step(ids[t]);
      for (const auto& [layer, r] : p["routes"].items()) {
        const int64_t il = std::stoll(layer);
        compare_route(s.routed(il, 0), r["experts"][t], r["weights"][t], r["scores"][t], il == 0,
                      static_cast<int>(t) < kStrictTokens, run.routes,
                      name + "/" + p["name"].get<std::string>() + " token " + std::to_string(t) + " layer " + layer);
      }
      if (static_cast<int>(t) >= p["n_pos"].get<int>()) continue;
      float m = 0;
      for (int64_t v = 0; v < vocab; ++v) {
        m = std::max(m, std::abs(ours[static_cast<size_t>(v)] - ops::f16_to_f32(ref[t * vocab + v])));
      }
      run.logit_max = std::max(run.logit_max, m);
      const int ours_top = static_cast<int>(std::max_element(ours.begin(), ours.end()) - ours.begin());
      run.top1_agree += ours_top == p["top16"][t]["ids"][0].get<int>() ? 1 : 0;
      ++run.positions;
    }
  }
  return run;
}

class MoeParity : public testing::TestWithParam<const char*> {};

TEST_P(MoeParity, LogitsAndRoutesMatchLlamaCpp) {
  const std::string name = GetParam();
  const ModelRun r = run_prompts(name);
  std::printf("[ moe ] %-12s max |ours - llama.cpp| = %.4f, top-1 %d/%d; routes of the first %d tokens: %d/%d "
              "equal, %d near-ties, %d tie cases, max weight diff %.2e; later: %d/%d equal\n", name.c_str(),
              r.logit_max, r.top1_agree, r.positions, kStrictTokens, r.routes.equal, r.routes.tokens - r.routes.late,
              r.routes.near_ties, r.routes.tie_cases, r.routes.weight_max, r.routes.late_equal, r.routes.late);
  EXPECT_LT(r.logit_max, logit_tol(name)) << name;
  EXPECT_EQ(r.top1_agree, r.positions) << name;
  EXPECT_LT(r.routes.weight_max, is_q4k(name) ? kWeightTolQ4K : kWeightTol) << name;
  EXPECT_GT(r.routes.tokens - r.routes.late, 100) << name;
  EXPECT_LE(r.routes.near_ties, 2) << name << ": near-ties should be rare";
  EXPECT_GE(r.routes.late_equal, kLateAgree * r.routes.late) << name;
}

// Greedy continuations equal llama.cpp's; a parting is accepted only where llama.cpp's own top-1/top-2
// margin is below twice our logit tolerance for the model (each of the two logits may be off by it).
TEST_P(MoeParity, GreedyMatchesLlamaCpp) {
  const std::string name = GetParam();
  const json fx = read_json(kData + "moe_" + name + ".json");
  auto model = Model::load(std::string(HAYLOFT_SOURCE_DIR) + "/" + fx["gguf"].get<std::string>());
  Session s(model, {.context = 256, .prefill_gemm = false});
  for (const json& run : fx["greedy"]) {
    const auto prompt = run["prompt_ids"].get<std::vector<int32_t>>();
    const auto ref = run["ids"].get<std::vector<int32_t>>();
    s.reset();
    std::span<const float> logits = s.prefill(prompt);
    size_t matched = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      const int32_t tok = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
      if (tok != ref[i]) {
        EXPECT_LT(run["top1_top2_margin"][i].get<float>(), 2 * logit_tol(name))
            << name << "/" << run["name"] << " parted at step " << i << ": ours " << tok << ", llama.cpp " << ref[i];
        break;
      }
      ++matched;
      logits = s.decode_step(tok);
    }
    std::printf("[ moe greedy ] %-12s %-7s %zu/%zu identical\n", name.c_str(), run["name"].get<std::string>().c_str(),
                matched, ref.size());
  }
}

// Prefill groups tokens by expert. On the quantized path (prefill_gemm off: each expert's rows dotted with
// its tokens' Q8 activations) it must give the decode path's logits and routes (same dot kernels, so equal
// up to the GLU's vectorized exp, ~1e-6). On the default path (f32 activations, one GEMM per expert) it
// agrees to rounding and chooses the same experts as llama.cpp for nearly every token. The expert-load
// histogram counts every (token, slot).
TEST_P(MoeParity, PrefillMatchesDecodeAndCountsTheLoad) {
  const std::string name = GetParam();
  const json fx = read_json(kData + "moe_" + name + ".json");
  auto model = Model::load(std::string(HAYLOFT_SOURCE_DIR) + "/" + fx["gguf"].get<std::string>());
  const json& p = fx["prompts"][1];  // medium: the longest prompt
  const auto ids = p["ids"].get<std::vector<int32_t>>();
  Session step(model, {.context = 256});
  std::span<const float> b;
  for (int32_t t : ids) b = step.decode_step(t);
  const std::vector<float> decoded(b.begin(), b.end());
  auto max_diff = [&](std::span<const float> a) {
    float d = 0;
    for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - decoded[i]));
    return d;
  };
  Session quant(model, {.context = 256, .prefill_gemm = false});
  EXPECT_LT(max_diff(quant.prefill(ids)), 1e-3f) << name;
  Session batch(model, {.context = 256});
  // f32 vs Q8 activations: the dense tiny models differ by ~0.3 this way; here up to 1.6 (olmoe) and,
  // with Q8_K's one scale per 256 values, 4.4 (llama4-q4k), as an expert choice at a near-tie can differ.
  EXPECT_LT(max_diff(batch.prefill(ids)), is_q4k(name) ? 6.0f : 3.0f) << name;
  const int64_t X = model->info().n_expert, K = model->info().n_expert_used;
  const auto load = batch.expert_load();
  ASSERT_EQ(static_cast<int64_t>(load.size()), model->info().n_layer * X);
  int equal = 0, quant_equal = 0, tokens = 0;
  for (const auto& [layer, r] : p["routes"].items()) {
    const int64_t il = std::stoll(layer);
    const int64_t total = std::accumulate(load.begin() + il * X, load.begin() + (il + 1) * X, int64_t{0});
    EXPECT_EQ(total, static_cast<int64_t>(ids.size()) * K) << name << " layer " << il;
    for (size_t t = 0; t < ids.size(); ++t) {
      const ExpertChoice c = batch.routed(il, static_cast<int64_t>(t)), q = quant.routed(il, static_cast<int64_t>(t));
      ASSERT_EQ(c.experts.size(), static_cast<size_t>(K));
      bool same = true, quant_same = true;
      for (int64_t j = 0; j < K; ++j) {
        same = same && c.experts[j] == r["experts"][t][j].get<int32_t>();
        quant_same = quant_same && q.experts[j] == r["experts"][t][j].get<int32_t>();
      }
      equal += same ? 1 : 0;
      quant_equal += quant_same ? 1 : 0;
      ++tokens;
    }
  }
  // The quantized batch sees what the decode path sees (LogitsAndRoutesMatchLlamaCpp); the f32 one may
  // flip a near-tie, which changes later tokens' inputs: measured >= 146 of 150 (qwen3moe).
  EXPECT_GE(quant_equal, tokens * 19 / 20) << name;
  EXPECT_GE(equal, tokens * 17 / 20) << name;
  batch.reset();
  for (int64_t v : batch.expert_load()) EXPECT_EQ(v, 0);
}

INSTANTIATE_TEST_SUITE_P(Models, MoeParity, testing::ValuesIn(kModels),
                         [](const testing::TestParamInfo<const char*>& i) {
                           std::string n = i.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// The tie-break is visible: over all fixtures the tied experts 2 and 5 of layer 0 decided routes.
TEST(MoeTies, TiedExpertsAreBrokenAsLlamaCppBreaksThem) {
  int cases = 0;
  for (const char* name : kModels) {
    const json fx = read_json(kData + "moe_" + std::string(name) + ".json");
    if (fx["moe_layers"][0].get<int>() != 0) continue;  // llama4: layer 0 is dense
    for (const json& p : fx["prompts"]) {
      for (const auto& ex : p["routes"]["0"]["experts"]) {
        for (size_t j = 0; j < ex.size(); ++j) {
          // llama.cpp's order of an exact tie: the lower expert id first.
          if (ex[j] == 5) {
            bool two_before = false, two_after = false;
            for (size_t i = 0; i < ex.size(); ++i) two_before |= i < j && ex[i] == 2, two_after |= i > j && ex[i] == 2;
            EXPECT_FALSE(two_after) << name << ": llama.cpp put tied expert 5 before 2";
            if (!two_before) ADD_FAILURE() << name << ": llama.cpp chose tied expert 5 without 2";
            ++cases;
          }
        }
      }
    }
  }
  std::printf("[ moe ties ] %d tokens route through both tied experts\n", cases);
  EXPECT_GT(cases, 0);
}

}  // namespace
}  // namespace hayloft::engine
