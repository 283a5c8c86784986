// The KV cache's named copy (Session::clone) and the process-wide worker pool: sessions sharing one pool,
// driven in turn from one thread, compute what they compute alone.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/engine.hpp"

namespace hayloft::engine {
namespace {

const std::string kSmol = std::string(HAYLOFT_MODELS_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf";
const std::string kGemma = std::string(HAYLOFT_MODELS_DIR) + "/gemma-3-270m-q4_k_m.gguf";
const std::vector<int32_t> kSmolPrompt = {504, 3575, 282, 4649, 314};  // "The capital of France is"

std::vector<float> copy(std::span<const float> v) { return {v.begin(), v.end()}; }

TEST(SessionClone, ContinuesLikeTheOriginalAndLeavesItAlone) {
  if (!std::filesystem::exists(kSmol)) GTEST_FAIL() << "model missing: " << kSmol;
  auto model = Model::load(kSmol);
  Session a(model, {.context = 128, .threads = 2});
  a.prefill(kSmolPrompt);
  Session b = a.clone();
  EXPECT_EQ(b.position(), a.position());
  EXPECT_EQ(b.kv_bytes(), a.kv_bytes());
  const std::vector<float> la = copy(a.decode_step(7042));
  const std::vector<float> lb = copy(b.decode_step(7042));
  EXPECT_EQ(la, lb);  // same rows, same kernels, same order: bit-identical
  b.decode_step(30);  // moving the clone on does not touch the original
  EXPECT_EQ(a.position(), 6);
  EXPECT_EQ(b.position(), 7);
}

// Gemma's sliding layers keep rings of window + batch slots; with a small batch they wrap, and the clone
// must copy the whole ring.
TEST(SessionClone, CopiesWrappedSlidingRings) {
  if (!std::filesystem::exists(kGemma)) GTEST_FAIL() << "model missing: " << kGemma;
  auto model = Model::load(kGemma);
  Session a(model, {.context = 1024, .prefill_batch = 64});
  std::vector<int32_t> ids(700);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>(1000 + (i * 13) % 5000);
  a.prefill(ids);  // 700 > 512 + 64: the sliding rings have wrapped
  Session b = a.clone();
  EXPECT_EQ(copy(a.decode_step(1234)), copy(b.decode_step(1234)));
}

// Two sessions with the same thread count share one pool; used in turn from one thread (how prompt-cache
// slots are used), each gives the logits it gives alone.
TEST(SharedWorkers, SessionsUsedInTurnMatchSessionsUsedAlone) {
  if (!std::filesystem::exists(kSmol)) GTEST_FAIL() << "model missing: " << kSmol;
  auto model = Model::load(kSmol);
  const std::vector<int32_t> other = {1, 504, 1797, 1918, 282, 260};
  std::vector<float> alone_a, alone_b;
  {
    Session a(model, {.context = 64, .threads = 2});
    a.prefill(kSmolPrompt);
    alone_a = copy(a.decode_step(7042));
  }
  {
    Session b(model, {.context = 64, .threads = 2});
    b.prefill(other);
    alone_b = copy(b.decode_step(42));
  }
  Session a(model, {.context = 64, .threads = 2});
  Session b(model, {.context = 64, .threads = 2});
  a.prefill(kSmolPrompt);
  b.prefill(other);
  const std::vector<float> turn_a = copy(a.decode_step(7042));
  const std::vector<float> turn_b = copy(b.decode_step(42));
  EXPECT_EQ(turn_a, alone_a);
  EXPECT_EQ(turn_b, alone_b);
}

}  // namespace
}  // namespace hayloft::engine
