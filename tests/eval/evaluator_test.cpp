// The eval loop's pure parts (modes list, mode-major order, the JSON document `report` reads, progress
// text) and one real run: SmolLM2-135M over a two-document collection in a temp home, a few tokens per
// answer, checking scores, routes, the refusal record and the interrupt hook.
#include "eval/evaluator.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "../index/temp_home.hpp"
#include "engine/engine.hpp"
#include "pipeline/local_generator.hpp"
#include "util/util.hpp"

namespace hayloft::eval {
namespace {

using index::testing::TempDir;
using index::testing::write_file;

TEST(Evaluator, ParsesModes) {
  EXPECT_EQ(parse_modes("lc,rag,auto"), (std::vector<Mode>{Mode::kLc, Mode::kRag, Mode::kAuto}));
  EXPECT_EQ(parse_modes("rag, lc"), (std::vector<Mode>{Mode::kRag, Mode::kLc}));
  EXPECT_THROW(parse_modes(""), Error);
  EXPECT_THROW(parse_modes("lc,,rag"), Error);
  EXPECT_THROW(parse_modes("lc,fast"), Error);
  EXPECT_THROW(parse_modes("lc,lc"), Error);
}

TEST(Evaluator, OrderIsModeMajorPerCollection) {
  std::vector<EvalCase> cases = {{"a", {"1", "q1", {"x"}}}, {"b", {"2", "q2", {"x"}}}, {"a", {"3", "q3", {"x"}}}};
  auto order = eval_order(cases, {Mode::kLc, Mode::kRag});
  std::vector<std::pair<size_t, Mode>> want = {{0, Mode::kLc}, {2, Mode::kLc}, {0, Mode::kRag}, {2, Mode::kRag},
                                               {1, Mode::kLc}, {1, Mode::kRag}};
  EXPECT_EQ(order, want);
  EXPECT_TRUE(eval_order({}, {Mode::kLc}).empty());
}

EvalRecord record(const std::string& id, Mode mode, bool right, int prompt, int reused) {
  EvalRecord r;
  r.collection = "c";
  r.question = "Q " + id + "?";
  r.gold = {"gold"};
  r.answer = right ? "gold" : "other";
  r.reason = "asked";
  r.result.id = id;
  r.result.mode = mode;
  r.result.route = mode == Mode::kLc ? Route::kLc : Route::kRag;
  r.result.score = {right ? 1.0 : 0.0, right ? 1.0 : 0.0, right ? 1.0 : 0.0};
  r.result.prompt_tokens = prompt;
  r.result.reused_prefix_tokens = reused;
  r.result.generated_tokens = 3;
  r.result.seconds = 0.5;
  return r;
}

TEST(Evaluator, DocumentHasTheShapeReportReads) {
  std::vector<EvalRecord> rs = {record("1", Mode::kLc, true, 1000, 0), record("2", Mode::kLc, false, 1000, 900),
                                record("1", Mode::kRag, true, 200, 0)};
  EvalRecord refused = record("2", Mode::kRag, false, 0, 0);
  refused.result.error = true;
  refused.error = "does not fit";
  rs.push_back(refused);
  EvalHeader h{"set.jsonl", "SmolLM2", {"c"}, {Mode::kLc, Mode::kRag}, true};
  nlohmann::json d = eval_result_json(h, rs);
  for (const char* k : {"set", "model", "collections", "modes", "interrupted", "summaries", "goal", "questions"}) {
    EXPECT_TRUE(d.contains(k)) << k;
  }
  EXPECT_EQ(d["modes"], nlohmann::json({"lc", "rag"}));
  EXPECT_TRUE(d["interrupted"].get<bool>());
  ASSERT_EQ(d["summaries"].size(), 2u);
  const auto& lc = d["summaries"][0];
  EXPECT_EQ(lc["mode"], "lc");
  EXPECT_EQ(lc["questions"], 2);
  EXPECT_DOUBLE_EQ(lc["accuracy"]["mean"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(lc["accuracy"]["stderr"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(lc["mean_reused_prefix_tokens"].get<double>(), 450);
  for (const char* k : {"exact_match", "f1", "mean_prompt_tokens", "mean_generated_tokens", "mean_seconds",
                        "mean_cpu_seconds", "peak_rss_bytes", "degenerate", "routed_lc", "routed_rag", "fallbacks"}) {
    EXPECT_TRUE(lc.contains(k)) << k;
  }
  EXPECT_EQ(d["summaries"][1]["errors"], 1);
  EXPECT_FALSE(d["goal"]["evaluated"].get<bool>());  // auto did not run
  ASSERT_EQ(d["questions"].size(), 4u);
  const auto& q = d["questions"][1];
  EXPECT_EQ(q["id"], "2");
  EXPECT_EQ(q["mode"], "lc");
  EXPECT_EQ(q["route"], "lc");
  EXPECT_EQ(q["gold"], nlohmann::json({"gold"}));
  EXPECT_FALSE(q["correct"].get<bool>());
  EXPECT_EQ(q["reused_prefix_tokens"], 900);
  for (const char* k : {"collection", "reason", "question", "answer", "exact_match", "f1", "prompt_tokens",
                        "generated_tokens", "seconds", "cpu_seconds", "degenerate", "fallback"}) {
    EXPECT_TRUE(q.contains(k)) << k;
  }
  EXPECT_FALSE(q.contains("error"));
  EXPECT_EQ(d["questions"][3]["error"], "does not fit");
  EXPECT_EQ(running_accuracy(rs), "lc 0.50 (2) · rag 0.50 (2)");
}

const std::string kModel = std::string(HAYLOFT_MODELS_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf";

TEST(Evaluator, RunsRealQuestionsAndRecordsRefusals) {
  if (!std::filesystem::exists(kModel)) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << kModel;
  config::Config config = config::load();
  config.engine.context = 1024;
  pipeline::LocalGenerator generator(engine::Model::load(kModel), config.engine);
  TempDir home, docs;
  write_file(docs / "owls.txt", "Barn owls hunt at night. A barn owl can hear a mouse moving under snow.");
  write_file(docs / "bees.txt", "Honey bees live in hives of up to sixty thousand workers.");
  index::Library library(home.path(), config);
  ThreadPool pool(1);
  index::IngestOptions options = index::ingest_options(config.ingest);
  options.progress = false;
  library.ingest("animals", {docs.path()}, options, pool);
  Answerer answerer(library, generator, generator.planner_info(), generator.model_key(), config);

  std::string too_long;
  for (int i = 0; i < 1500; ++i) too_long += "owls ";  // over 1,024 tokens
  std::vector<EvalCase> cases = {{"animals", {"owl", "When do barn owls hunt?", {"at night"}}},
                                 {"animals", {"long", too_long, {"x"}}}};
  EvalSettings settings;
  settings.modes = {Mode::kLc, Mode::kRag};
  settings.max_tokens = 6;
  size_t seen = 0;
  EvalHooks hooks;
  hooks.on_record = [&](const EvalRecord&, size_t done, size_t total) {
    EXPECT_EQ(done, ++seen);
    EXPECT_EQ(total, 4u);
  };
  EvalRun run = run_eval(answerer, cases, settings, hooks);
  ASSERT_EQ(run.records.size(), 4u);
  EXPECT_FALSE(run.interrupted);
  const EvalRecord& lc = run.records[0];
  EXPECT_EQ(lc.result.mode, Mode::kLc);
  EXPECT_EQ(lc.result.route, Route::kLc);
  EXPECT_FALSE(lc.result.error) << lc.error;
  EXPECT_GT(lc.result.prompt_tokens, 20);
  EXPECT_GT(lc.result.generated_tokens, 0);
  EXPECT_LE(lc.result.generated_tokens, 6);
  EXPECT_GT(lc.result.seconds, 0);
  EXPECT_GT(lc.cpu_seconds, 0);
  EXPECT_EQ(lc.result.score.contains, contains_answer(lc.answer, "at night"));
  // The 1,500-word question does not fit a 1024-token window: a refusal record, scored 0, not an abort.
  const EvalRecord& refused = run.records[1];
  EXPECT_EQ(refused.result.id, "long");
  EXPECT_TRUE(refused.result.error);
  EXPECT_NE(refused.error.find("window"), std::string::npos) << refused.error;
  EXPECT_EQ(refused.result.score.contains, 0);
  EXPECT_EQ(run.records[2].result.route, Route::kRag);

  // The stop hook ends the run before the next question.
  hooks.on_record = {};
  hooks.stop = [&] { return true; };
  EvalRun stopped = run_eval(answerer, cases, settings, hooks);
  EXPECT_TRUE(stopped.interrupted);
  EXPECT_TRUE(stopped.records.empty());
}

}  // namespace
}  // namespace hayloft::eval
