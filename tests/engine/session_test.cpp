// Session behaviour on the real models: batched prefill equals token-by-token decode, reset, context and
// token-id errors, KV sizes (sliding-window rings for gemma3).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "engine/engine.hpp"
#include "util/error.hpp"

namespace hayloft::engine {
namespace {

const std::string kSmol = std::string(HAYLOFT_MODELS_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf";
const std::string kGemma = std::string(HAYLOFT_MODELS_DIR) + "/gemma-3-270m-q4_k_m.gguf";

std::shared_ptr<const Model> load_or_skip(const std::string& path) {
  if (!std::filesystem::exists(path)) return nullptr;
  return Model::load(path);
}

int argmax(std::span<const float> v) {
  return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

float max_abs_diff(std::span<const float> a, std::span<const float> b) {
  float d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

// "The capital of France is" in SmolLM2's tokenizer (llama.cpp ids, no BOS); llama.cpp's next token is
// " Paris" (7042) with logit 17.34.
const std::vector<int32_t> kSmolPrompt = {504, 3575, 282, 4649, 314};

TEST(Session, SmolLM2PredictsParis) {
  auto model = load_or_skip(kSmol);
  if (!model) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << kSmol;
  Session s(model, {.context = 256});
  auto logits = s.prefill(kSmolPrompt);
  EXPECT_EQ(argmax(logits), 7042);
  EXPECT_NEAR(logits[7042], 17.34f, 0.5f);
  EXPECT_EQ(s.position(), 5);
}

// Prefill of N tokens in one batch (sgemm path) and in batches of 3 must give the same last logits as
// feeding them one by one through decode_step (quantized path). The sgemm path keeps activations in f32,
// the decode path rounds them to Q8 per matrix, so they differ by that rounding carried through 30
// layers: measured 0.87 max over 49152 logits; 1.5 is the bound the llama.cpp comparison uses
// (forward_test.cpp). The quantized prefill path must match decode to float-summation noise.
TEST(Session, PrefillMatchesTokenByTokenDecode) {
  auto model = load_or_skip(kSmol);
  if (!model) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << kSmol;
  std::vector<int32_t> prompt = {504, 3575, 282, 4649, 314, 7042, 30, 198, 198, 504, 1797, 1918};
  Session batched(model, {.context = 64});
  std::vector<float> a(batched.prefill(prompt).begin(), batched.prefill(prompt).end());
  ASSERT_EQ(batched.position(), 24);  // two prefills of 12
  batched.reset();
  auto ab = batched.prefill(prompt);
  std::vector<float> all_batch(ab.begin(), ab.end());

  Session small(model, {.context = 64, .prefill_batch = 3});
  auto sb = small.prefill(prompt);
  std::vector<float> small_batches(sb.begin(), sb.end());

  Session stepwise(model, {.context = 64});
  std::span<const float> last;
  for (int32_t t : prompt) last = stepwise.decode_step(t);
  EXPECT_EQ(stepwise.position(), 12);
  EXPECT_LT(max_abs_diff(all_batch, last), 1.5f);
  EXPECT_LT(max_abs_diff(small_batches, last), 1.5f);
  EXPECT_EQ(argmax(all_batch), argmax(last));

  Session quant_prefill(model, {.context = 64, .prefill_gemm = false});
  auto qp = quant_prefill.prefill(prompt);
  // Same quantized kernels on the same inputs: identical up to summation order.
  EXPECT_LT(max_abs_diff(qp, last), 1e-3f);
}

TEST(Session, ErrorsAreCheckedBeforeRunning) {
  auto model = load_or_skip(kSmol);
  if (!model) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << kSmol;
  Session s(model, {.context = 8});
  std::vector<int32_t> nine(9, 504);
  try {
    s.prefill(nine);
    FAIL() << "expected kResourceExhausted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kResourceExhausted);
  }
  EXPECT_EQ(s.position(), 0);
  std::vector<int32_t> bad = {504, 49152};
  try {
    s.prefill(bad);
    FAIL() << "expected kInvalidArgument";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("49152"), std::string::npos);
  }
  EXPECT_THROW(s.prefill(std::vector<int32_t>{}), Error);
  EXPECT_THROW(s.decode_step(-1), Error);
}

TEST(Session, KvBytesFollowSlidingWindows) {
  auto model = load_or_skip(kGemma);
  if (!model) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << kGemma;
  const ModelInfo& info = model->info();
  EXPECT_EQ(info.architecture, "gemma3");
  EXPECT_EQ(info.quantization, "Q4_K_M");  // general.file_type 15
  EXPECT_EQ(info.vocab, 262144);
  EXPECT_EQ(info.head_dim, 256);
  EXPECT_EQ(info.n_layer, 18);
  EXPECT_EQ(info.sliding_window, 512);
  EXPECT_EQ(info.n_sliding_layers, 15);  // 5 local : 1 global
  // Per layer and token: 1 KV head x 256 dims x (K+V) x 2 bytes = 1024 bytes.
  EXPECT_EQ(info.kv_bytes(KvType::kF16, 256), 18 * 256 * 1024);
  EXPECT_EQ(info.kv_bytes(KvType::kF16, 4096), (3 * 4096 + 15 * 512) * 1024);
  EXPECT_NEAR(info.kv_bytes_per_token(KvType::kF32, 4096), (3 * 4096 + 15 * 512) * 2048.0 / 4096, 1e-6);
  Session s(model, {.context = 4096, .prefill_batch = 64});
  // Sliding rings hold window + batch slots.
  EXPECT_EQ(s.kv_bytes(), (3 * 4096 + 15 * (512 + 64)) * 1024);
}

// Truncating to a shared prefix and prefilling the rest gives the logits of prefilling the whole prompt
// (the prefix's KV does not depend on what follows it: attention is causal). On the quantized path every
// token's arithmetic is independent of the batch it came in, so the match is exact; the sgemm path's
// OpenBLAS kernels depend on the batch size (measured 0.28 max difference), which says nothing about
// truncation.
TEST(Session, TruncateToPrefixThenPrefillMatchesFullPrefill) {
  auto model = load_or_skip(kSmol);
  if (!model) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << kSmol;
  const std::vector<int32_t> a = {504, 3575, 282, 4649, 314, 7042, 30, 198, 198, 504, 1797, 1918};
  std::vector<int32_t> b(a.begin(), a.begin() + 7);
  b.insert(b.end(), {198, 504, 3575, 282, 4649});
  Session fresh(model, {.context = 64, .prefill_gemm = false});
  auto first = fresh.prefill(b);
  std::vector<float> want(first.begin(), first.end());
  fresh.reset();
  auto second = fresh.prefill(b);
  std::vector<float> want_again(second.begin(), second.end());

  Session s(model, {.context = 64, .prefill_gemm = false});
  s.prefill(a);
  s.decode_step(1918);  // a generated token after the prompt is dropped too
  EXPECT_FALSE(s.truncate(14));  // beyond the cache: refused, nothing changes
  EXPECT_EQ(s.position(), 13);
  ASSERT_TRUE(s.truncate(7));
  EXPECT_EQ(s.position(), 7);
  auto got = s.prefill(std::span<const int32_t>(b).subspan(7));
  EXPECT_EQ(s.position(), 12);
  EXPECT_EQ(argmax(got), argmax(want));
  EXPECT_EQ(max_abs_diff(want_again, want), 0.0f);
  EXPECT_EQ(max_abs_diff(got, want), 0.0f);
}

// Gemma's sliding layers keep a ring of window + batch slots: a cut further back than the ring still
// holds is refused, one within it is allowed.
TEST(Session, TruncateRefusesWhenSlidingRingsWrapped) {
  auto model = load_or_skip(kGemma);
  if (!model) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << kGemma;
  const int64_t window = model->info().sliding_window;
  ASSERT_GT(window, 0);
  Session s(model, {.context = window + 64, .prefill_batch = 8, .prefill_gemm = false});
  std::vector<int32_t> ids(static_cast<size_t>(window + 40), 1000);
  s.prefill(ids);
  EXPECT_FALSE(s.truncate(window + 40 - 9));  // 9 positions back > batch of 8: overwritten slots
  EXPECT_EQ(s.position(), window + 40);
  EXPECT_TRUE(s.truncate(window + 40 - 8));
  EXPECT_EQ(s.position(), window + 32);
}

}  // namespace
}  // namespace hayloft::engine
