// hayloft eval-retrieval: retrieval quality on a BEIR-format data set. Ingests the corpus (one document per
// entry, title + text) into a throwaway home, runs every judged query of the split through Library::search,
// scores the ranking with trec_eval's formulae (eval/retrieval_eval.hpp) and stores the result as a run.
#include <cstdio>
#include <memory>

#include "app/app.hpp"
#include "cli/commands.hpp"

namespace hayloft::cli {

namespace {

namespace ev = hayloft::eval;

void print_table(const nlohmann::json& doc) {
  const auto& m = doc["metrics"];
  const auto& t = doc["timing"];
  const auto& b = doc["bm25"];
  std::printf("eval-retrieval  %s / %s  (%d docs, %d queries)\n", doc["dataset"].get<std::string>().c_str(),
              doc["split"].get<std::string>().c_str(), doc["documents"].get<int>(),
              doc["queries"].get<int>());
  std::printf("  nDCG@10     %.4f\n  Recall@100  %.4f\n  MRR@10      %.4f\n", m["ndcg@10"].get<double>(),
              m["recall@100"].get<double>(), m["mrr@10"].get<double>());
  std::printf("  ingest      %.2f s\n  query       p50 %.2f ms, p99 %.2f ms\n",
              t["ingest_seconds"].get<double>(), t["query_p50_ms"].get<double>(),
              t["query_p99_ms"].get<double>());
  std::printf("  bm25        k1=%g b=%g k3=%g min_normlen=%g\n", b["k1"].get<double>(), b["b"].get<double>(),
              b["k3"].get<double>(), b["min_normlen"].get<double>());
  if (doc.contains("run_id")) std::printf("  run         %s\n", doc["run_id"].dump().c_str());
}

}  // namespace

CommandSpec eval_retrieval_spec() {
  return {"eval-retrieval",
          "measure retrieval quality (nDCG@10, Recall@100, MRR@10) on a BEIR data set",
          "--beir DIR [--split test] [-k N] [--json]",
          "Ingests DIR/corpus.jsonl (one document per entry: title + text) into a throwaway home (a temp\n"
          "directory, removed afterwards, unless --home is given), runs every query judged in\n"
          "DIR/qrels/SPLIT.tsv and scores the top N documents per query with trec_eval's formulae:\n"
          "nDCG@10 (gain = grade, log2 discount), Recall@100, MRR@10; ties in score are broken by doc id\n"
          "descending, as trec_eval does. Also reports ingest seconds, query p50/p99 latency and the BM25\n"
          "parameters (config index.bm25_*), and stores the result as a run (kind \"eval-retrieval\").",
          {
              {"beir", 0, "DIR", "BEIR data set folder (corpus.jsonl, queries.jsonl, qrels/)", ""},
              {"split", 0, "NAME", "qrels split to evaluate", "test"},
              {"k", 'k', "N", "documents retrieved per query (>= 100 for a full Recall@100)", "100"},
          },
          0,
          0};
}

int eval_retrieval_run(Context& ctx) {
  std::string dir = ctx.args.get("beir");
  if (dir.empty()) throw UsageError{"--beir DIR is required"};
  std::string split = ctx.args.get("split", "test");
  int64_t k = ctx.args.get_int("k", 100);
  if (k < 1 || k > 10000) throw UsageError{"-k must be between 1 and 10000"};

  ev::BeirDataset data = ev::load_beir(dir, split);
  spdlog::info("eval-retrieval: {} docs, {} queries judged in '{}'", data.corpus.size(), data.queries.size(),
               split);

  std::unique_ptr<app::ScratchHome> temp;
  std::string home = ctx.home;
  if (!ctx.args.has("home")) {
    temp = std::make_unique<app::ScratchHome>("hayloft-eval");
    home = temp->path();
  }
  ev::EvalOptions options;
  options.depth = static_cast<int>(k);
  ev::EvalResult result = app::eval_retrieval(home, ctx.config, data, options);

  nlohmann::json doc = result.doc;
  doc["home"] = home;
  doc["home_kept"] = temp == nullptr;
  if (ctx.json) {
    print_json(doc);
  } else {
    print_table(doc);
  }
  return 0;
}

}  // namespace hayloft::cli
