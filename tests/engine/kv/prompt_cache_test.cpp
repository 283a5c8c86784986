// PromptCache on the real SmolLM2: slots picked by the longest shared token prefix, a new slot for an
// unrelated prompt while there is room, eviction of the slot holding the shortest prompt, nothing reused
// before commit(), and reuse giving the same logits as a full prefill.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "engine/engine.hpp"
#include "util/error.hpp"

namespace hayloft::engine {
namespace {

const std::string kSmol = std::string(HAYLOFT_MODELS_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf";

// n valid token ids starting at `seed` (distinct seeds give prompts that differ from the first token).
std::vector<int32_t> prompt(int32_t seed, size_t n) {
  std::vector<int32_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = static_cast<int32_t>((seed + 37 * i) % 40000 + 100);
  return ids;
}

class PromptCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kSmol)) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << kSmol;
    model_ = Model::load(kSmol);
  }
  // What LocalGenerator does: acquire, prefill what is not cached, commit.
  PromptCache::Pick run(PromptCache& cache, const std::vector<int32_t>& ids) {
    const PromptCache::Pick pick = cache.acquire(ids);
    EXPECT_EQ(cache.session(pick.slot).position(), pick.reused);
    cache.session(pick.slot).prefill(std::span<const int32_t>(ids).subspan(static_cast<size_t>(pick.reused)));
    cache.commit(pick.slot, ids);
    return pick;
  }
  std::shared_ptr<const Model> model_;
};

TEST_F(PromptCacheTest, LongestSharedPrefixPicksTheSlotAndShortestPromptIsEvicted) {
  PromptCache cache(model_, {.context = 512}, 2);
  EXPECT_EQ(cache.size(), 1u);  // the first slot is made up front
  const std::vector<int32_t> lc = prompt(1, 200);
  PromptCache::Pick a = run(cache, lc);
  EXPECT_EQ(a.reused, 0);

  // Same 200-token prefix, a new tail: same slot, the prefix reused.
  std::vector<int32_t> lc2 = lc;
  lc2.insert(lc2.end(), {500, 501, 502});
  PromptCache::Pick b = run(cache, lc2);
  EXPECT_EQ(b.slot, a.slot);
  EXPECT_EQ(b.reused, 200);

  // An unrelated prompt gets the second slot; the long one stays cached.
  const std::vector<int32_t> rag = prompt(7, 90);
  PromptCache::Pick c = run(cache, rag);
  EXPECT_NE(c.slot, a.slot);
  EXPECT_EQ(c.reused, 0);
  EXPECT_EQ(cache.size(), 2u);

  // A third unrelated prompt evicts the shortest (the 90-token one), not the long prefix.
  PromptCache::Pick d = run(cache, prompt(13, 80));
  EXPECT_EQ(d.slot, c.slot);
  EXPECT_EQ(cache.size(), 2u);
  PromptCache::Pick e = run(cache, lc2);
  EXPECT_EQ(e.slot, a.slot);
  EXPECT_EQ(e.reused, static_cast<int64_t>(lc2.size()) - 1);  // the last token is prefilled for its logits
  EXPECT_EQ(cache.kv_bytes(), 2 * cache.session(0).kv_bytes());
}

TEST_F(PromptCacheTest, NothingIsReusedBeforeCommit) {
  PromptCache cache(model_, {.context = 512}, 1);
  const std::vector<int32_t> ids = prompt(3, 120);
  PromptCache::Pick a = cache.acquire(ids);
  cache.session(a.slot).prefill(ids);  // no commit: as if the generation failed after its prefill
  PromptCache::Pick b = cache.acquire(ids);
  EXPECT_EQ(b.reused, 0);
  EXPECT_EQ(cache.session(b.slot).position(), 0);
}

// The slot held 150 shared tokens then 20 others; the new prompt is cut back to the 150 and continues with
// its own 5, overwriting positions 150.. . A session that prefills the first prompt, truncates to 150 and
// prefills the 5 runs the same kernels on the same rows, so the logits must be bit-identical (a prefill
// of the 150 alone is not: sgemm and attention tiling depend on the batch, ~0.04 on these logits).
TEST_F(PromptCacheTest, ReusedPrefixContinuesLikeATruncatedSession) {
  PromptCache cache(model_, {.context = 512}, 1);
  const std::vector<int32_t> shared = prompt(5, 150);
  std::vector<int32_t> first = shared;
  const std::vector<int32_t> other_tail = prompt(9, 20);
  first.insert(first.end(), other_tail.begin(), other_tail.end());
  run(cache, first);
  std::vector<int32_t> ids = shared;
  ids.insert(ids.end(), {504, 3575, 282, 4649, 314});
  PromptCache::Pick p = cache.acquire(ids);
  ASSERT_EQ(p.reused, 150);
  auto tail = cache.session(p.slot).prefill(std::span<const int32_t>(ids).subspan(150));
  const std::vector<float> reused(tail.begin(), tail.end());
  Session fresh(model_, {.context = 512});
  fresh.prefill(first);
  ASSERT_TRUE(fresh.truncate(150));
  auto scratch = fresh.prefill(std::span<const int32_t>(ids).subspan(150));
  float d = 0;
  for (size_t i = 0; i < reused.size(); ++i) d = std::max(d, std::abs(reused[i] - scratch[i]));
  EXPECT_EQ(d, 0.0f);
}

TEST(PromptCacheArgs, NeedsASlot) {
  EXPECT_THROW(PromptCache(nullptr, {}, 0), Error);
}

}  // namespace
}  // namespace hayloft::engine
