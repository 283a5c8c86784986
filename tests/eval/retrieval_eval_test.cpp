// Metrics on hand-made rankings (expected values worked out by hand in the comments), the BEIR loaders on
// the committed tiny fixture (CRLF qrels with a header), and malformed input.
#include "eval/retrieval_eval.hpp"

#include <cmath>
#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "util/error.hpp"

namespace hayloft::eval {
namespace {

const std::string kTinyDir = std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/beir-tiny";

// ----------------------------------------------------------------------------------------------------
// Ordering

TEST(SortTrec, ScoreDescendingThenDocnoDescending) {
  // Equal scores: trec_eval compares strcmp(b, a), so "b" > "a" and "9" > "10" (strings, not numbers).
  std::vector<ScoredDoc> hits = {{"a", 1.0}, {"10", 2.0}, {"b", 1.0}, {"9", 2.0}, {"c", 3.0}};
  sort_trec(hits);
  std::vector<std::string> order;
  for (const auto& h : hits) order.push_back(h.doc_id);
  EXPECT_EQ(order, (std::vector<std::string>{"c", "9", "10", "b", "a"}));
}

// ----------------------------------------------------------------------------------------------------
// Single-query metrics

TEST(ScoreQuery, PerfectBinaryRanking) {
  // One relevant doc at rank 1: DCG = 1/log2(2) = 1 = IDCG; recall 1/1; MRR 1/1.
  QueryScores s = score_query({{"d1", 5.0}, {"d2", 4.0}}, {{"d1", 1}}, Cutoffs{});
  EXPECT_DOUBLE_EQ(s.ndcg, 1.0);
  EXPECT_DOUBLE_EQ(s.recall, 1.0);
  EXPECT_DOUBLE_EQ(s.mrr, 1.0);
}

TEST(ScoreQuery, RelevantAtRankThree) {
  // d3 (relevant) at rank 3: DCG = 1/log2(4) = 0.5; IDCG = 1 -> nDCG 0.5. MRR = 1/3. Recall 1.
  QueryScores s = score_query({{"d1", 3.0}, {"d2", 2.0}, {"d3", 1.0}}, {{"d3", 1}}, Cutoffs{});
  EXPECT_DOUBLE_EQ(s.ndcg, 0.5);
  EXPECT_DOUBLE_EQ(s.recall, 1.0);
  EXPECT_DOUBLE_EQ(s.mrr, 1.0 / 3.0);
}

TEST(ScoreQuery, GradedRelevanceUsesGradeAsGain) {
  // Run: a (grade 1) rank 1, b (grade 2) rank 2, c (grade 0) rank 3.
  // DCG  = 1/log2(2) + 2/log2(3) = 1 + 1.261860 = 2.261860
  // IDCG = 2/log2(2) + 1/log2(3) = 2 + 0.630930 = 2.630930   (grades sorted descending: 2, 1)
  // nDCG = 2.261860 / 2.630930 = 0.859719
  QueryScores s =
      score_query({{"a", 3.0}, {"b", 2.0}, {"c", 1.0}}, {{"a", 1}, {"b", 2}, {"c", 0}}, Cutoffs{});
  double dcg = 1.0 + 2.0 / std::log2(3.0);
  double idcg = 2.0 + 1.0 / std::log2(3.0);
  EXPECT_NEAR(s.ndcg, dcg / idcg, 1e-12);
  EXPECT_NEAR(s.ndcg, 0.859719, 1e-6);
  EXPECT_DOUBLE_EQ(s.recall, 1.0);  // both relevant (grade > 0) docs retrieved
  EXPECT_DOUBLE_EQ(s.mrr, 1.0);
}

TEST(ScoreQuery, TiesBrokenByDocnoDescending) {
  // All three tie at 1.0, so the order is c, b, a. Only "a" is relevant -> rank 3:
  // nDCG = (1/log2(4)) / 1 = 0.5, MRR = 1/3. Had ties gone ascending, "a" would be rank 1 (nDCG 1).
  QueryScores s = score_query({{"a", 1.0}, {"b", 1.0}, {"c", 1.0}}, {{"a", 1}}, Cutoffs{});
  EXPECT_DOUBLE_EQ(s.ndcg, 0.5);
  EXPECT_DOUBLE_EQ(s.mrr, 1.0 / 3.0);
}

TEST(ScoreQuery, CutoffsLimitEachMetric) {
  // 12 hits; relevant r1 at rank 11, r2 at rank 12 (scores 12..1 give that order). Two relevant in qrels.
  // nDCG@10 = 0 (nothing relevant in the top 10); MRR@10 = 0; Recall@100 = 2/2 = 1; Recall@11 = 1/2.
  std::vector<ScoredDoc> hits;
  for (int i = 0; i < 10; ++i) {
    std::string id(1, 'n');  // built in two steps: gcc 12 warns (-Wrestrict, false positive) on "n" + str
    id += std::to_string(i);
    hits.push_back({id, 12.0 - i});
  }
  hits.push_back({"r1", 2.0});
  hits.push_back({"r2", 1.0});
  std::map<std::string, int> judged = {{"r1", 1}, {"r2", 1}};
  QueryScores s = score_query(hits, judged, Cutoffs{});
  EXPECT_DOUBLE_EQ(s.ndcg, 0.0);
  EXPECT_DOUBLE_EQ(s.mrr, 0.0);
  EXPECT_DOUBLE_EQ(s.recall, 1.0);
  QueryScores s11 = score_query(hits, judged, Cutoffs{10, 11, 10});
  EXPECT_DOUBLE_EQ(s11.recall, 0.5);
}

TEST(ScoreQuery, IdealIsCutAtK) {
  // 3 relevant (grade 1), cutoff k=2; run finds one of them at rank 1.
  // DCG@2 = 1; IDCG@2 = 1 + 1/log2(3) = 1.630930 (only the top 2 ideal grades count) -> 0.613147.
  // Recall@100 = 1/3.
  QueryScores s = score_query({{"a", 2.0}, {"x", 1.0}}, {{"a", 1}, {"b", 1}, {"c", 1}}, Cutoffs{2, 100, 10});
  EXPECT_NEAR(s.ndcg, 1.0 / (1.0 + 1.0 / std::log2(3.0)), 1e-12);
  EXPECT_NEAR(s.ndcg, 0.613147, 1e-6);
  EXPECT_NEAR(s.recall, 1.0 / 3.0, 1e-12);
}

TEST(ScoreQuery, NoRelevantJudgedScoresZero) {
  // Only a grade-0 judgement: IDCG = 0 and no relevant docs -> every metric 0, no division by zero.
  QueryScores s = score_query({{"a", 1.0}}, {{"a", 0}}, Cutoffs{});
  EXPECT_DOUBLE_EQ(s.ndcg, 0.0);
  EXPECT_DOUBLE_EQ(s.recall, 0.0);
  EXPECT_DOUBLE_EQ(s.mrr, 0.0);
}

// ----------------------------------------------------------------------------------------------------
// Averaging over queries

TEST(Evaluate, MissingQueriesScoreZeroAndUnjudgedAreIgnored) {
  // q1: relevant at rank 1 -> (1, 1, 1). q2: relevant at rank 2 -> nDCG 1/log2(3) = 0.630930, recall 1,
  // MRR 0.5. q3: judged but absent from the run -> (0, 0, 0). "qx" is in the run but not judged: ignored.
  // Means over 3 queries: nDCG (1 + 0.630930) / 3 = 0.543643; recall 2/3; MRR 1.5/3 = 0.5.
  std::map<std::string, std::vector<ScoredDoc>> run = {
      {"q1", {{"a", 2.0}, {"b", 1.0}}},
      {"q2", {{"c", 2.0}, {"d", 1.0}}},
      {"qx", {{"a", 1.0}}},
  };
  Qrels qrels = {{"q1", {{"a", 1}}}, {"q2", {{"d", 1}}}, {"q3", {{"e", 1}}}};
  Summary s = evaluate(run, qrels, Cutoffs{});
  EXPECT_EQ(s.queries, 3);
  EXPECT_EQ(s.queries_no_hits, 1);
  EXPECT_NEAR(s.ndcg, (1.0 + 1.0 / std::log2(3.0)) / 3.0, 1e-12);
  EXPECT_NEAR(s.ndcg, 0.543643, 1e-6);
  EXPECT_NEAR(s.recall, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(s.mrr, 0.5, 1e-12);
}

TEST(Percentile, LinearInterpolation) {
  // Sorted 1..5: p50 -> index 2 -> 3; p99 -> index 3.96 -> 4 + 0.96 = 4.96; p0 -> 1; p100 -> 5.
  std::vector<double> v = {5, 1, 4, 2, 3};
  EXPECT_DOUBLE_EQ(percentile(v, 50), 3.0);
  EXPECT_NEAR(percentile(v, 99), 4.96, 1e-12);
  EXPECT_DOUBLE_EQ(percentile(v, 0), 1.0);
  EXPECT_DOUBLE_EQ(percentile(v, 100), 5.0);
  EXPECT_DOUBLE_EQ(percentile({}, 50), 0.0);
}

// ----------------------------------------------------------------------------------------------------
// Loaders

TEST(Qrels, CrlfWithHeaderAndTrecForm) {
  Qrels q = parse_qrels("query-id\tcorpus-id\tscore\r\n1\t31715818\t1\r\n3\t14717500\t2\r\n\r\n", "x.tsv");
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q["1"].at("31715818"), 1);  // no stray '\r' in the doc id or grade
  EXPECT_EQ(q["3"].at("14717500"), 2);
  Qrels trec = parse_qrels("301 0 FBIS3-10082 1\n301 0 FBIS3-10169 0\n", "trec");
  EXPECT_EQ(trec["301"].at("FBIS3-10082"), 1);
  EXPECT_EQ(trec["301"].at("FBIS3-10169"), 0);
}

TEST(Qrels, BadLineNamesIt) {
  try {
    parse_qrels("q\td\t1\nq\td2\tmaybe\n", "bad.tsv");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCorrupt);
    EXPECT_NE(std::string(e.what()).find("bad.tsv:2"), std::string::npos) << e.what();
  }
}

TEST(Corpus, RejectsMalformedLines) {
  EXPECT_THROW(parse_corpus_jsonl("{\"_id\": \"a\", \"text\": \"x\"}\nnot json\n", "c"), Error);
  EXPECT_THROW(parse_corpus_jsonl("{\"title\": \"no id\", \"text\": \"x\"}\n", "c"), Error);
  EXPECT_THROW(parse_corpus_jsonl("{\"_id\": \"a\", \"text\": 5}\n", "c"), Error);
  EXPECT_THROW(parse_corpus_jsonl("{\"_id\": \"a\", \"text\": \"x\"}\n{\"_id\": \"a\", \"text\": \"y\"}\n", "c"),
               Error);
  auto docs = parse_corpus_jsonl("{\"_id\": 7, \"text\": \"x\"}\r\n", "c");  // numeric id, CRLF
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].id, "7");
  EXPECT_EQ(docs[0].title, "");
}

TEST(LoadBeir, TinyFixture) {
  BeirDataset data = load_beir(kTinyDir, "test");
  EXPECT_EQ(data.name, "beir-tiny");
  EXPECT_EQ(data.corpus.size(), 8u);
  EXPECT_EQ(data.corpus[0].id, "d1");
  EXPECT_EQ(data.corpus[0].title, "Honeybee navigation");
  // q4 is in queries.jsonl but not judged in test: left out.
  ASSERT_EQ(data.queries.size(), 3u);
  EXPECT_EQ(data.queries[2].id, "q3");
  EXPECT_EQ(data.qrels.at("q2").at("d2"), 2);
  EXPECT_EQ(data.qrels.at("q2").at("d6"), 1);
  EXPECT_EQ(load_beir(kTinyDir, "train").queries.size(), 1u);
}

TEST(LoadBeir, MissingSplitIsNotFound) {
  try {
    load_beir(kTinyDir, "dev");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
    EXPECT_NE(std::string(e.what()).find("dev.tsv"), std::string::npos) << e.what();
  }
}

// ----------------------------------------------------------------------------------------------------
// End to end: the command path (load, ingest into a real Library, query, score, store the run)

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() / ("hl-retrieval-eval-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(RunBeirEval, TinyFixtureEndToEnd) {
  // q1 (waggle dance) -> d1 at rank 1: (1, 1, 1). q2 (basalt lava in Hawaii): d2 (grade 2, the only doc
  // with "basalt") at rank 1 and d6 (grade 1, "lava", "Hawaii") at rank 2 -> ideal order, nDCG 1.
  // q3 (zebra stripes) matches no document -> (0, 0, 0). Means over 3: 2/3 each.
  TempDir home;
  BeirDataset data = load_beir(kTinyDir, "test");
  config::Config config = config::load();
  EvalOptions options;
  options.progress = false;
  Library library(home.str(), config, Library::Mode::kWrite);
  EvalResult r = run_beir_eval(library, config, data, options);
  EXPECT_EQ(r.ingest.documents, 8);
  EXPECT_EQ(r.ingest.chunks, 8);
  EXPECT_EQ(r.summary.queries, 3);
  EXPECT_EQ(r.summary.queries_no_hits, 1);
  EXPECT_NEAR(r.summary.ndcg, 2.0 / 3.0, 1e-9);
  EXPECT_NEAR(r.summary.recall, 2.0 / 3.0, 1e-9);
  EXPECT_NEAR(r.summary.mrr, 2.0 / 3.0, 1e-9);
  std::vector<ScoredDoc> q2 = r.queries.run.at("q2");  // also matches "in" elsewhere, below those two
  sort_trec(q2);
  ASSERT_GE(q2.size(), 2u);
  EXPECT_EQ(q2[0].doc_id, "d2");
  EXPECT_EQ(q2[1].doc_id, "d6");
  EXPECT_EQ(r.queries.latencies_ms.size(), 3u);
  EXPECT_DOUBLE_EQ(r.doc["metrics"]["ndcg@10"].get<double>(), r.summary.ndcg);
  EXPECT_DOUBLE_EQ(r.doc["bm25"]["k1"].get<double>(), config.index.bm25_k1);

  // A second evaluation in the same library replaces the collection rather than adding the corpus twice.
  EvalResult again = run_beir_eval(library, config, data, options);
  EXPECT_NEAR(again.summary.ndcg, r.summary.ndcg, 1e-12);
  EXPECT_EQ(library.documents(beir_collection_name("beir-tiny")).size(), 8u);
}

}  // namespace
}  // namespace hayloft::eval
