// The app layer over real parts: homes and their config overlays, the error table, run records written
// by the use-cases (BEIR retrieval eval over SQLite + Xapian; ask and compare with the real SmolLM2).
#include "app/app.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "../index/temp_home.hpp"

namespace hayloft::app {
namespace {

using index::testing::TempDir;
using index::testing::write_file;

const std::string kModel = std::string(HAYLOFT_MODELS_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf";

TEST(ErrorStatus, EveryKindHasAnExitCodeAndAStatus) {
  EXPECT_EQ(error_status(ErrorKind::kInvalidArgument).exit_code, kExitUsage);
  EXPECT_EQ(error_status(ErrorKind::kInvalidArgument).http_status, 400);
  EXPECT_EQ(error_status(ErrorKind::kNotFound).http_status, 404);
  EXPECT_EQ(error_status(ErrorKind::kResourceExhausted).http_status, 413);
  EXPECT_EQ(error_status(ErrorKind::kInternal).http_status, 500);
  for (ErrorKind k : {ErrorKind::kNotFound, ErrorKind::kCorrupt, ErrorKind::kIo, ErrorKind::kUnsupported,
                      ErrorKind::kResourceExhausted, ErrorKind::kCancelled, ErrorKind::kInternal}) {
    EXPECT_EQ(error_status(k).exit_code, kExitRuntime) << error_kind_name(k);
    EXPECT_GE(error_status(k).http_status, 400) << error_kind_name(k);
  }
}

TEST(OpenHome, HomeConfigThenConfigFileOverlayTheDefaults) {
  TempDir home, elsewhere;
  const config::Config defaults = config::load();
  write_file(home / "config.json", R"({"engine": {"threads": 3}, "pipeline": {"rag_top_k": 7}})");
  write_file(elsewhere / "extra.json", R"({"pipeline": {"rag_top_k": 9}})");
  Home h = open_home(home.path(), "");
  EXPECT_EQ(h.dir, home.path());
  EXPECT_EQ(h.config.engine.threads, 3);
  EXPECT_EQ(h.config.pipeline.rag_top_k, 7);
  h = open_home(home.path(), elsewhere / "extra.json");
  EXPECT_EQ(h.config.engine.threads, 3);
  EXPECT_EQ(h.config.pipeline.rag_top_k, 9);
  EXPECT_EQ(h.config.sampling.max_tokens, defaults.sampling.max_tokens);
}

TEST(OpenHome, ConfigThatIsNotJsonIsAnInvalidArgument) {
  TempDir home;
  write_file(home / "config.json", "{ not json");
  try {
    open_home(home.path(), "");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("config.json"), std::string::npos) << e.what();
  }
}

TEST(EngineChoice, OverridesAreCheckedAndApplied) {
  const config::Config base = config::load();
  config::Config c = with_engine_choice(base, {"", 4, 1024});
  EXPECT_EQ(c.engine.threads, 4);
  EXPECT_EQ(c.engine.context, 1024);
  EXPECT_EQ(with_engine_choice(base, {}).engine.threads, base.engine.threads);
  EXPECT_THROW(with_engine_choice(base, {"", 0, std::nullopt}), Error);
  EXPECT_THROW(with_engine_choice(base, {"", 257, std::nullopt}), Error);
  EXPECT_THROW(with_engine_choice(base, {"", std::nullopt, -1}), Error);
}

TEST(ScratchHome, IsRemovedOnScopeExit) {
  std::string path;
  {
    ScratchHome s("hayloft-app-test");
    path = s.path();
    write_file(path + "/a/b.txt", "x");
    EXPECT_TRUE(std::filesystem::exists(path + "/a/b.txt"));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(EvalRetrieval, StoresOneRunPerEvaluationInTheHome) {
  TempDir home;
  const config::Config config = config::load();
  eval::BeirDataset data = eval::load_beir(std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/beir-tiny", "test");
  eval::EvalOptions options;
  options.progress = false;
  eval::EvalResult r = eval_retrieval(home.path(), config, data, options);
  EXPECT_GT(r.run_id, 0);
  EXPECT_EQ(r.doc["run_id"], r.run_id);
  eval::EvalResult again = eval_retrieval(home.path(), config, data, options);
  EXPECT_NEAR(again.summary.ndcg, r.summary.ndcg, 1e-12);
  index::Library library(home.path(), config, index::Library::Mode::kRead);
  std::vector<index::RunRecord> runs = library.store().list_runs(10, "eval-retrieval");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_NEAR(runs[0].result["ndcg@10"].get<double>(), 2.0 / 3.0, 1e-9);
  EXPECT_EQ(runs[0].params["split"], "test");
  EXPECT_EQ(library.documents(eval::beir_collection_name("beir-tiny")).size(), 8u);
}

class AnsweringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kModel)) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << kModel;
    write_file(docs_ / "bees.txt",
               "Honey bees live in hives of up to sixty thousand workers. The queen lays about two thousand "
               "eggs a day in summer.");
    write_file(docs_ / "owls.txt", "Barn owls hunt at night. They nest in old barns and hollow trees.");
    home_ = open_home(dir_.path(), "");
    home_.config.engine.context = 2048;
    index::Library library(home_.dir, home_.config);
    ThreadPool pool(1);
    index::IngestOptions options = index::ingest_options(home_.config.ingest);
    options.progress = false;
    library.ingest("animals", {docs_.path()}, options, pool);
  }
  TempDir dir_, docs_;
  Home home_;
};

TEST_F(AnsweringTest, UnknownCollectionFailsBeforeTheModelLoads) {
  try {
    Answering a(home_, {"/no/such/model.gguf", std::nullopt, std::nullopt}, {"nope"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);  // the collection, not the model
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos) << e.what();
  }
}

TEST_F(AnsweringTest, AskAndCompareAreStoredAsRuns) {
  Answering a(home_, {kModel, 1, std::nullopt}, {"animals"});
  pipeline::AskRequest req{"animals", "How many eggs does the queen bee lay a day?", pipeline::Mode::kRag, 8, 1};
  std::string streamed;
  AskResult r = ask(a, req, [&](std::string_view t) { streamed += t; });
  EXPECT_FALSE(streamed.empty());
  auto run = a.library.store().get_run(r.run_id);
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->kind, "ask");
  EXPECT_EQ(run->route, "rag");
  EXPECT_EQ(run->result["prompt_hash"], r.outcome.prompt_hash);
  EXPECT_EQ(run->metrics["prompt_tokens"], r.outcome.answer.attempts[0].metrics.prompt_tokens);
  nlohmann::json doc = ask_json(r, req);
  EXPECT_EQ(doc["run_id"], r.run_id);
  EXPECT_EQ(doc["collection_name"], "animals");

  req.max_tokens = 4;
  int rows_heard = 0;
  CompareResult c = compare(a, req, [&](const CompareRow&) { ++rows_heard; });
  EXPECT_EQ(rows_heard, 3);
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_EQ(c.modes.size(), 3u);
  run = a.library.store().get_run(c.run_id);
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->kind, "compare");
  EXPECT_EQ(run->result["modes"].size(), 3u);
  EXPECT_EQ(std::count(run->route.begin(), run->route.end(), ','), 2);
}

}  // namespace
}  // namespace hayloft::app
