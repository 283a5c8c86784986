// PrefixSlots with two real SmolLM2 KV caches: a long "collection" prompt, then a different prompt, then
// the collection again with another question — the second slot keeps the collection cached, where one
// cache would have lost it. One generated token per prompt keeps it fast.
#include "pipeline/prefix_slots.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "engine/engine.hpp"
#include "pipeline/local_generator.hpp"
#include "util/util.hpp"

namespace hayloft::pipeline {
namespace {

const std::string kModel = std::string(HAYLOFT_MODELS_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf";

TEST(PrefixSlots, CommonPrefix) {
  EXPECT_EQ(common_prefix("abcd", "abxd"), 2u);
  EXPECT_EQ(common_prefix("", "abc"), 0u);
  EXPECT_EQ(common_prefix("abc", "abc"), 3u);
}

TEST(PrefixSlots, KeepsTheCollectionWhileOtherPromptsPass) {
  if (!std::filesystem::exists(kModel)) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << kModel;
  EXPECT_THROW(PrefixSlots({}), Error);
  config::Config config = config::load();
  config.engine.context = 512;
  std::shared_ptr<const engine::Model> model = engine::Model::load(kModel);
  std::vector<std::unique_ptr<Generator>> gens;
  gens.push_back(std::make_unique<LocalGenerator>(model, config.engine));
  gens.push_back(std::make_unique<LocalGenerator>(model, config.engine));
  PrefixSlots slots(std::move(gens));
  ASSERT_EQ(slots.size(), 2u);
  EXPECT_EQ(slots.context_window(), 512);

  std::string collection = "Documents:\n";
  for (int i = 0; i < 12; ++i) collection += "Barn owls hunt at night and nest in old barns, paragraph " + std::to_string(i) + ".\n";
  auto lc = [&](const std::string& q) { return slots.render({{"user", collection + "Question: " + q}}); };
  // Passage prompts as long as real ones, so that the chat header they share with everything is a small part.
  auto passages = [&](const std::string& fact, const std::string& q) {
    std::string p = "Passages:\n";
    for (int i = 0; i < 8; ++i) p += fact + " This is passage " + std::to_string(i) + " of the retrieved ones.\n";
    return slots.render({{"user", p + "Question: " + q}});
  };
  Prompt rag = passages("Honey bees live in hives.", "Where do bees live?");
  GenerateOptions options;
  options.max_tokens = 1;
  options.sampling = config.sampling;

  Prompt first = lc("When do owls hunt?");
  EXPECT_EQ(slots.pick(first.text), 0u);  // both empty: the first
  GenerateResult a = slots.generate(first, options, {});
  EXPECT_EQ(a.metrics.reused_prefix_tokens, 0);
  EXPECT_EQ(slots.pick(rag.text), 1u);  // shares little with the collection: the empty slot
  slots.generate(rag, options, {});
  Prompt second = lc("Where do owls nest?");
  EXPECT_EQ(slots.pick(second.text), 0u);
  GenerateResult b = slots.generate(second, options, {});
  // Everything up to the question came from the cache: more than the collection's 12 lines.
  EXPECT_GT(b.metrics.reused_prefix_tokens, 12 * 10);
  EXPECT_LT(b.metrics.reused_prefix_tokens, b.metrics.prompt_tokens);
  // Another passage prompt replaces the passage prompt, not the collection.
  Prompt rag2 = passages("Ants live in colonies.", "Where do ants live?");
  EXPECT_EQ(slots.pick(rag2.text), 1u);
}

}  // namespace
}  // namespace hayloft::pipeline
