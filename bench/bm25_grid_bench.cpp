// BM25 tuning grid: ingests a BEIR data set once through Library (as `hayloft eval-retrieval` does), then
// scores every (k1, b) pair of a small grid on one split's qrels, reusing the index (BM25 parameters are
// query-time in Xapian). Rankings come from KeywordIndex::search, the ranking Library::search returns
// without its snippets, so a grid point costs milliseconds per query. Tune on train, never on test.
//   bm25_grid_bench [--data DIR] [--split train] [--k1 a,b,..] [--b a,b,..]
// Prints one JSON document: every grid point's nDCG@10 / Recall@100 / MRR@10 and the best by nDCG@10.
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "index/index.hpp"
#include "eval/eval.hpp"
#include "util/util.hpp"

namespace {

namespace fs = std::filesystem;
using namespace hayloft;
using namespace hayloft::index;

std::vector<double> parse_list(const std::string& text) {
  std::vector<double> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (!item.empty()) out.push_back(std::stod(item));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

int run(int argc, char** argv) {
  std::string data_dir = "../shared/data", split = "train";
  std::vector<double> k1s = {0.6, 0.9, 1.0, 1.2, 1.5, 2.0}, bs = {0.3, 0.5, 0.6, 0.75, 0.9, 1.0};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--data") data_dir = value;
    else if (flag == "--split") split = value;
    else if (flag == "--k1") k1s = parse_list(value);
    else if (flag == "--b") bs = parse_list(value);
    else throw Error(ErrorKind::kInvalidArgument, "unknown flag " + flag);
  }
  init_logging(false);
  eval::BeirDataset data = eval::load_beir(data_dir + "/scifact", split);
  config::Config config = config::load();
  fs::path home = fs::temp_directory_path() / ("hayloft-grid-" + std::to_string(std::random_device{}()));
  std::string collection = eval::beir_collection_name(data.name);
  std::unordered_map<int64_t, std::string> corpus_id;  // chunk id -> corpus id
  {
    Library library(home.string(), config);
    eval::ingest_beir(library, data.corpus, collection, 1000, false);
    std::unordered_map<int64_t, std::string> doc_path;
    for (const DocumentRow& d : library.documents(collection)) doc_path[d.id] = d.path;
    for (const ChunkRow& c : library.chunks(collection)) corpus_id[c.id] = doc_path.at(c.document_id);
  }
  nlohmann::json points = nlohmann::json::array();
  nlohmann::json best;
  for (double k1 : k1s) {
    for (double b : bs) {
      config::IndexConfig ix = config.index;
      ix.bm25_k1 = k1;
      ix.bm25_b = b;
      KeywordIndex kw((home / "xapian").string(), KeywordIndex::Mode::kRead, ix);
      std::map<std::string, std::vector<eval::ScoredDoc>> run;
      for (const eval::BeirQuery& q : data.queries) {
        std::map<std::string, double> top;  // max over a document's chunks (one chunk each here)
        for (const KeywordHit& h : kw.search(q.text, Filters{}, 100)) {
          auto [it, inserted] = top.emplace(corpus_id.at(h.chunk_id), h.score);
          if (!inserted) it->second = std::max(it->second, h.score);
        }
        for (const auto& [id, score] : top) run[q.id].push_back({id, score});
      }
      eval::Summary s = eval::evaluate(run, data.qrels, eval::Cutoffs{});
      nlohmann::json p = {{"k1", k1}, {"b", b}, {"ndcg@10", s.ndcg}, {"recall@100", s.recall}, {"mrr@10", s.mrr}};
      std::fprintf(stderr, "k1=%.2f b=%.2f ndcg@10=%.4f recall@100=%.4f mrr@10=%.4f\n", k1, b, s.ndcg, s.recall,
                   s.mrr);
      if (best.is_null() || s.ndcg > best["ndcg@10"].get<double>()) best = p;
      points.push_back(std::move(p));
    }
  }
  std::error_code ec;
  fs::remove_all(home, ec);
  nlohmann::json doc = {{"bench", "bm25_grid"}, {"dataset", data.name}, {"split", split},
                        {"queries", data.queries.size()}, {"grid", points}, {"best", best}};
  std::printf("%s\n", doc.dump(2).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bm25_grid_bench: %s\n", e.what());
    return 1;
  }
}
