// Answerer and LocalGenerator with the real SmolLM2-135M over a tiny real collection (SQLite + Xapian in a
// temp home). Generations are a few tokens so the suite stays fast; skipped when models/ is missing.
#include "pipeline/answerer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "../index/temp_home.hpp"
#include "engine/engine.hpp"
#include "pipeline/local_generator.hpp"
#include "util/util.hpp"

namespace hayloft::pipeline {
namespace {

using index::testing::TempDir;
using index::testing::write_file;

const std::string kModel = std::string(HAYLOFT_MODELS_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf";

class AnswererTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(kModel)) return;
    config_ = new config::Config(config::load());
    config_->engine.context = 2048;  // KV for 2K positions is plenty for these prompts
    generator_ = new LocalGenerator(engine::Model::load(kModel), config_->engine);
  }
  static void TearDownTestSuite() {
    delete generator_;
    delete config_;
    generator_ = nullptr;
    config_ = nullptr;
  }
  void SetUp() override {
    if (!generator_) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << kModel;
    write_file(docs_ / "owls.txt",
               "Barn owls hunt at night. A barn owl can hear a mouse moving under snow. They nest in old barns "
               "and hollow trees.");
    write_file(docs_ / "bees.txt",
               "Honey bees live in hives of up to sixty thousand workers. The queen lays about two thousand "
               "eggs a day in summer.");
    library_ = std::make_unique<index::Library>(home_.path(), *config_);
    ThreadPool pool(1);
    index::IngestOptions options = index::ingest_options(config_->ingest);
    options.progress = false;
    library_->ingest("animals", {docs_.path()}, options, pool);
    answerer_ = std::make_unique<Answerer>(*library_, *generator_, generator_->planner_info(),
                                           generator_->model_key(), *config_);
  }

  static config::Config* config_;
  static LocalGenerator* generator_;
  TempDir home_, docs_;
  std::unique_ptr<index::Library> library_;
  std::unique_ptr<Answerer> answerer_;
};
config::Config* AnswererTest::config_ = nullptr;
LocalGenerator* AnswererTest::generator_ = nullptr;

TEST_F(AnswererTest, GeneratorCountsRendersAndStops) {
  EXPECT_EQ(generator_->count_tokens(""), 0);
  EXPECT_GT(generator_->count_tokens("Barn owls hunt at night."), 4);
  EXPECT_EQ(generator_->context_window(), 2048);
  Prompt p = generator_->render({{"user", "Say hello."}});
  ASSERT_TRUE(p.rendered);
  EXPECT_NE(p.text.find("<|im_start|>assistant"), std::string::npos) << p.text;
  EXPECT_GT(p.tokens, generator_->count_tokens("Say hello."));

  GenerateOptions options;
  options.max_tokens = 3;
  options.sampling = config_->sampling;  // the struct's zero defaults are not a valid sampler
  int seen = 0;
  GenerateResult r = generator_->generate(p, options, [&](int32_t, std::string_view) { return ++seen < 2; });
  EXPECT_EQ(r.metrics.stop, StopReason::kCallback);
  EXPECT_EQ(seen, 2);
  EXPECT_EQ(r.metrics.prompt_tokens, p.tokens);
  // 30 layers x 3 KV heads x 64 dims x (K+V) x 2 bytes (f16) per position: the prompt and the two
  // tokens generated are in use (the second one decoded before the callback stopped), 2048 allocated per slot.
  constexpr int64_t kPerPosition = int64_t{30} * 3 * 64 * 2 * 2;
  EXPECT_EQ(r.metrics.kv_bytes, kPerPosition * (p.tokens + 1));
  EXPECT_EQ(r.metrics.kv_allocated_bytes % (kPerPosition * 2048), 0);
  EXPECT_GE(r.metrics.kv_allocated_bytes, kPerPosition * 2048);
  EXPECT_GT(r.metrics.peak_rss_bytes, 0);
  EXPECT_GT(r.metrics.time_to_first_token_s, 0);
}

// A prompt that starts like a cached one prefills only its tail, and the answer is the one a fresh cache
// gives (greedy). Two cache slots (engine.prompt_cache_slots): an unrelated prompt in between does not
// evict the shared prefix, as auto's rag attempt must not evict lc's collection.
TEST_F(AnswererTest, GeneratorReusesTheSharedPromptPrefix) {
  ASSERT_EQ(config_->engine.prompt_cache_slots, 2);
  GenerateOptions options;
  options.max_tokens = 6;
  options.sampling = config_->sampling;
  std::string docs;
  for (int i = 0; i < 4; ++i) docs += "Barn owls hunt at night. Honey bees live in hives. The queen lays eggs.\n";
  Prompt first = generator_->render({{"user", docs + "\nQuestion: When do barn owls hunt?"}});
  Prompt second = generator_->render({{"user", docs + "\nQuestion: Where do honey bees live?"}});
  Prompt other = generator_->render({{"user", "Say hello."}});
  generator_->generate(other, options, {});
  GenerateResult cold = generator_->generate(second, options, {});
  // The slots hold earlier tests' prompts: at most the template's opening and system prompt are shared.
  EXPECT_LT(cold.metrics.reused_prefix_tokens, 30);
  generator_->generate(first, options, {});
  GenerateResult hello = generator_->generate(other, options, {});  // still in its own slot
  EXPECT_EQ(hello.metrics.reused_prefix_tokens, hello.metrics.prompt_tokens - 1);
  GenerateResult warm = generator_->generate(second, options, {});
  EXPECT_GT(warm.metrics.reused_prefix_tokens, generator_->count_tokens(docs));
  EXPECT_LT(warm.metrics.reused_prefix_tokens, warm.metrics.prompt_tokens - 5);
  EXPECT_EQ(warm.metrics.prompt_tokens, cold.metrics.prompt_tokens);
  EXPECT_EQ(warm.text, cold.text);
  GenerateResult again = generator_->generate(second, options, {});  // identical prompt: all but its last token
  EXPECT_EQ(again.metrics.reused_prefix_tokens, again.metrics.prompt_tokens - 1);
  EXPECT_EQ(again.text, cold.text);
}

TEST_F(AnswererTest, PromptLongerThanWindowIsRefused) {
  std::string words;
  for (int i = 0; i < 2100; ++i) words += "owl ";
  Prompt p = generator_->render({{"user", words}});
  try {
    generator_->generate(p, {}, {});
    FAIL() << "a prompt over the window was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kResourceExhausted) << e.what();
  }
}

TEST_F(AnswererTest, ChunkTokensAreCountedOnceAndKeptPerModel) {
  std::vector<ContextChunk> chunks = answerer_->collection_chunks("animals");
  ASSERT_EQ(chunks.size(), 2u);
  index::Store& store = library_->store();
  for (const auto& c : chunks) {
    EXPECT_EQ(c.tokens, generator_->count_tokens(c.text));
    EXPECT_EQ(store.chunk_tokens(c.chunk_id, generator_->model_key()), c.tokens);
    EXPECT_FALSE(store.chunk_tokens(c.chunk_id, "other-model.gguf:1").has_value());
  }
  // The second call reads the store, not the tokenizer: a changed stored count shows through.
  store.set_chunk_tokens(chunks[0].chunk_id, generator_->model_key(), 777);
  EXPECT_EQ(answerer_->collection_chunks("animals")[0].tokens, 777);
  EXPECT_EQ(answerer_->stats_of(chunks).documents, 2);
}

TEST_F(AnswererTest, RagAnswerCitesOnlyItsContext) {
  AskRequest req{"animals", "How many eggs does the queen bee lay a day?", Mode::kRag, 8, 1};
  std::string streamed;
  AskOutcome o = answerer_->ask(req, [&](std::string_view t) { streamed += t; });
  const Answer& a = o.answer;
  EXPECT_EQ(a.route, Route::kRag);
  ASSERT_EQ(a.attempts.size(), 1u);
  ASSERT_EQ(o.context.size(), 1u);  // --top-k 1
  EXPECT_NE(o.context[0].text.find("queen"), std::string::npos) << o.context[0].text;
  std::set<int64_t> ids;
  for (const auto& c : o.context) ids.insert(c.chunk_id);
  for (const auto& c : a.citations.citations) EXPECT_TRUE(ids.count(c.chunk_id)) << c.chunk_id;
  EXPECT_EQ(a.text, streamed.substr(streamed.find_first_not_of(" \n"), a.text.size()));
  EXPECT_LE(a.attempts[0].metrics.generated_tokens, 8);
  EXPECT_EQ(o.prompt_hash.size(), 16u);
}

TEST_F(AnswererTest, AutoSendsWholeCollectionQuestionsToLc) {
  AskRequest req{"animals", "List all the animals in each document.", Mode::kAuto, 4, 0};
  AskOutcome o = answerer_->ask(req);
  EXPECT_EQ(o.answer.route, Route::kLc);
  ASSERT_EQ(o.answer.attempts.size(), 1u);
  EXPECT_EQ(o.context.size(), 2u);  // both documents' chunks
  bool cue = false;
  for (const auto& d : o.answer.attempts[0].plan.decisions) cue = cue || d.step == "whole-collection";
  EXPECT_TRUE(cue);
}

TEST_F(AnswererTest, BadRequestsAreClearErrors) {
  auto kind_of = [&](AskRequest req) {
    try {
      answerer_->ask(req);
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::kInternal;
  };
  EXPECT_EQ(kind_of({"nope", "Where do owls nest?", Mode::kRag, 4, 0}), ErrorKind::kNotFound);
  EXPECT_EQ(kind_of({"animals", "  ", Mode::kRag, 4, 0}), ErrorKind::kInvalidArgument);
  library_->store().ensure_collection("empty");
  EXPECT_EQ(kind_of({"empty", "Where do owls nest?", Mode::kRag, 4, 0}), ErrorKind::kInvalidArgument);
  EXPECT_TRUE(library_->store().list_runs().empty());
}

}  // namespace
}  // namespace hayloft::pipeline
