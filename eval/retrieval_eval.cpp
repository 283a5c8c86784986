#include "eval/retrieval_eval.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <cctype>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "util/util.hpp"

namespace hayloft::eval {

namespace {

using nlohmann::json;
using index::CollectionInfo;
using index::Filters;
using index::Hit;
using index::IngestSummary;
using index::SearchOptions;

// Calls fn(line, line_number) for each line with any trailing '\r' removed (SciFact's qrels are CRLF).
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  int64_t number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(line, number);
  }
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

std::string at_line(const std::string& context, int64_t line) {
  return context + ":" + std::to_string(line);
}

// Parses one JSONL line into an object; throws kCorrupt naming the line.
json parse_object(std::string_view line, const std::string& where) {
  json obj = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (obj.is_discarded() || !obj.is_object()) {
    throw Error(ErrorKind::kCorrupt, "not a JSON object", where);
  }
  return obj;
}

// A string field. BEIR ids are strings, but some dumps write numeric ids: `is_id` accepts those too.
std::string string_field(const json& obj, const char* key, bool required, const std::string& where,
                         bool is_id = false) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) throw Error(ErrorKind::kCorrupt, std::string("missing \"") + key + "\"", where);
    return {};
  }
  if (it->is_string()) return it->get<std::string>();
  if (is_id && it->is_number_integer()) return std::to_string(it->get<int64_t>());
  throw Error(ErrorKind::kCorrupt, std::string("\"") + key + "\" is not a string", where);
}

bool parse_int(std::string_view s, int& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Splits on runs of tabs/spaces.
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == '\t' || line[i] == ' ')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != '\t' && line[i] != ' ') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::string read_required(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error(ErrorKind::kNotFound, "BEIR file not found", path.string());
  }
  return read_file(path.string());
}

}  // namespace

std::vector<BeirDoc> parse_corpus_jsonl(std::string_view text, const std::string& context) {
  std::vector<BeirDoc> docs;
  std::set<std::string> seen;
  for_each_line(text, [&](std::string_view line, int64_t number) {
    if (is_blank(line)) return;
    std::string where = at_line(context, number);
    json obj = parse_object(line, where);
    BeirDoc doc{string_field(obj, "_id", true, where, true), string_field(obj, "title", false, where),
                string_field(obj, "text", true, where)};
    if (doc.id.empty()) throw Error(ErrorKind::kCorrupt, "empty \"_id\"", where);
    if (!seen.insert(doc.id).second) throw Error(ErrorKind::kCorrupt, "duplicate _id " + doc.id, where);
    docs.push_back(std::move(doc));
  });
  return docs;
}

std::vector<BeirQuery> parse_queries_jsonl(std::string_view text, const std::string& context) {
  std::vector<BeirQuery> queries;
  std::set<std::string> seen;
  for_each_line(text, [&](std::string_view line, int64_t number) {
    if (is_blank(line)) return;
    std::string where = at_line(context, number);
    json obj = parse_object(line, where);
    BeirQuery query{string_field(obj, "_id", true, where, true), string_field(obj, "text", true, where)};
    if (!seen.insert(query.id).second) {
      throw Error(ErrorKind::kCorrupt, "duplicate _id " + query.id, where);
    }
    queries.push_back(std::move(query));
  });
  return queries;
}

Qrels parse_qrels(std::string_view text, const std::string& context) {
  Qrels qrels;
  bool first = true;
  for_each_line(text, [&](std::string_view line, int64_t number) {
    if (is_blank(line)) return;
    bool is_first = first;
    first = false;
    std::vector<std::string_view> f = fields(line);
    int grade = 0;
    // BEIR: qid, docid, grade. TREC: qid, iteration (ignored), docno, grade.
    bool ok = (f.size() == 3 || f.size() == 4) && parse_int(f.back(), grade);
    if (!ok && is_first) return;  // header line, e.g. "query-id\tcorpus-id\tscore"
    if (!ok) throw Error(ErrorKind::kCorrupt, "expected 'query-id corpus-id score'", at_line(context, number));
    if (grade < 0) grade = 0;  // trec_eval treats negative grades as not relevant
    std::string doc(f.size() == 3 ? f[1] : f[2]);
    qrels[std::string(f[0])][doc] = grade;
  });
  return qrels;
}

BeirDataset load_beir(const std::string& dir, const std::string& split) {
  namespace fs = std::filesystem;
  fs::path root(dir);
  BeirDataset data;
  data.name = fs::absolute(root).lexically_normal().filename().string();
  if (data.name.empty()) data.name = fs::absolute(root).lexically_normal().parent_path().filename().string();
  data.split = split;
  fs::path corpus = root / "corpus.jsonl", queries = root / "queries.jsonl";
  fs::path qrels = root / "qrels" / (split + ".tsv");
  data.qrels = parse_qrels(read_required(qrels), qrels.string());
  if (data.qrels.empty()) throw Error(ErrorKind::kCorrupt, "no judgements", qrels.string());
  data.corpus = parse_corpus_jsonl(read_required(corpus), corpus.string());
  std::vector<BeirQuery> all = parse_queries_jsonl(read_required(queries), queries.string());
  for (auto& q : all) {
    if (data.qrels.count(q.id)) data.queries.push_back(std::move(q));
  }
  if (data.queries.size() != data.qrels.size()) {
    std::set<std::string> have;
    for (const auto& q : data.queries) have.insert(q.id);
    for (const auto& [qid, judged] : data.qrels) {
      if (!have.count(qid)) {
        throw Error(ErrorKind::kInvalidArgument, "judged query " + qid + " has no text in queries.jsonl",
                    qrels.string());
      }
    }
  }
  return data;
}

void sort_trec(std::vector<ScoredDoc>& hits) {
  std::sort(hits.begin(), hits.end(), [](const ScoredDoc& a, const ScoredDoc& b) {
    if (a.score != b.score) return a.score > b.score;
    return std::strcmp(b.doc_id.c_str(), a.doc_id.c_str()) < 0;  // docno descending
  });
}

QueryScores score_query(std::vector<ScoredDoc> hits, const std::map<std::string, int>& judged,
                        const Cutoffs& cutoffs) {
  sort_trec(hits);
  auto grade_of = [&](const std::string& id) {
    auto it = judged.find(id);
    return it == judged.end() ? 0 : std::max(0, it->second);
  };
  QueryScores out;
  // DCG over the run, IDCG over the judgements sorted by grade; rank r (1-based) is discounted by log2(r+1).
  double dcg = 0;
  for (size_t i = 0; i < hits.size() && i < static_cast<size_t>(cutoffs.ndcg); ++i) {
    dcg += grade_of(hits[i].doc_id) / std::log2(static_cast<double>(i) + 2.0);
  }
  std::vector<int> ideal;
  for (const auto& [id, grade] : judged) {
    if (grade > 0) ideal.push_back(grade);
  }
  std::sort(ideal.begin(), ideal.end(), std::greater<>());
  double idcg = 0;
  for (size_t i = 0; i < ideal.size() && i < static_cast<size_t>(cutoffs.ndcg); ++i) {
    idcg += ideal[i] / std::log2(static_cast<double>(i) + 2.0);
  }
  out.ndcg = idcg > 0 ? dcg / idcg : 0.0;

  size_t relevant_retrieved = 0;
  for (size_t i = 0; i < hits.size() && i < static_cast<size_t>(cutoffs.recall); ++i) {
    if (grade_of(hits[i].doc_id) > 0) ++relevant_retrieved;
  }
  out.recall = ideal.empty() ? 0.0 : static_cast<double>(relevant_retrieved) / ideal.size();

  for (size_t i = 0; i < hits.size() && i < static_cast<size_t>(cutoffs.mrr); ++i) {
    if (grade_of(hits[i].doc_id) > 0) {
      out.mrr = 1.0 / static_cast<double>(i + 1);
      break;
    }
  }
  return out;
}

Summary evaluate(const std::map<std::string, std::vector<ScoredDoc>>& run, const Qrels& qrels,
                 const Cutoffs& cutoffs) {
  Summary sum;
  for (const auto& [qid, judged] : qrels) {
    auto it = run.find(qid);
    QueryScores s;
    if (it == run.end() || it->second.empty()) {
      ++sum.queries_no_hits;
    } else {
      s = score_query(it->second, judged, cutoffs);
    }
    sum.ndcg += s.ndcg;
    sum.recall += s.recall;
    sum.mrr += s.mrr;
    ++sum.queries;
  }
  if (sum.queries > 0) {
    sum.ndcg /= sum.queries;
    sum.recall /= sum.queries;
    sum.mrr /= sum.queries;
  }
  return sum;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  double pos = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(values.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, values.size() - 1);
  double frac = pos - static_cast<double>(lo);
  return values[lo] + (values[hi] - values[lo]) * frac;
}

// ---------------------------------------------------------------------------------------------------
// BEIR through a Library

std::string beir_collection_name(const std::string& dataset_name) {
  std::string name = "beir-";
  for (char c : dataset_name) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
    name += ok ? c : '_';
  }
  if (name.size() > 64) name.resize(64);  // Store's limit on collection names
  return name;
}

std::vector<NewDocument> beir_documents(const std::vector<BeirDoc>& corpus) {
  std::vector<NewDocument> docs;
  docs.reserve(corpus.size());
  ingest::TokenCounter count = ingest::approximate_token_counter();
  for (const BeirDoc& entry : corpus) {
    NewDocument nd;
    ingest::Document& d = nd.doc;
    d.path = entry.id;
    d.type = ingest::DocType::kText;
    d.title = entry.title;
    d.text = entry.text;
    d.source_bytes = static_cast<int64_t>(entry.title.size() + entry.text.size());
    d.source_map.push_back({0, static_cast<int64_t>(d.text.size()), 0, static_cast<int64_t>(d.text.size()), 0});
    uint64_t h = 1469598103934665603ull;  // FNV-1a 64: a stable fingerprint, enough to detect a change
    for (const std::string* s : {&entry.title, &entry.text}) {
      for (unsigned char c : *s) h = (h ^ c) * 1099511628211ull;
      h = (h ^ 0xffu) * 1099511628211ull;  // separator, so ("ab","c") != ("a","bc")
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    d.content_hash = hex;
    ingest::Chunk c;
    c.ordinal = 0;
    c.text = entry.text;
    c.end = c.source_end = static_cast<int64_t>(entry.text.size());
    c.tokens = count(entry.text);
    nd.chunks.push_back(std::move(c));
    docs.push_back(std::move(nd));
  }
  return docs;
}

BeirIngest ingest_beir(Library& library, const std::vector<BeirDoc>& corpus, const std::string& collection,
                       int batch_documents, bool progress) {
  for (const CollectionInfo& c : library.collections()) {
    if (c.name == collection) library.remove_collection(collection);
  }
  Timer timer;
  std::vector<NewDocument> docs = beir_documents(corpus);
  BeirIngest out;
  Progress bar("ingest", static_cast<int64_t>(docs.size()), progress && Progress::stderr_is_terminal());
  // Slices of batch_documents so the bar moves; each slice is one add_documents call and one commit.
  size_t step = static_cast<size_t>(std::max(batch_documents, 1));
  for (size_t begin = 0; begin < docs.size(); begin += step) {
    size_t end = std::min(begin + step, docs.size());
    std::vector<NewDocument> slice(std::make_move_iterator(docs.begin() + static_cast<long>(begin)),
                                   std::make_move_iterator(docs.begin() + static_cast<long>(end)));
    IngestSummary s = library.add_documents(collection, std::move(slice), batch_documents);
    out.documents += s.added + s.replaced;
    out.chunks += s.chunks;
    out.bytes += s.bytes;
    bar.update(static_cast<int64_t>(end));
  }
  bar.finish();
  out.seconds = timer.seconds();
  return out;
}

QueryRun run_beir_queries(Library& library, const BeirDataset& data, const std::string& collection,
                          int depth, bool progress) {
  QueryRun out;
  Filters filters;
  filters.collections = {collection};
  SearchOptions options;
  options.k = depth;
  Progress bar("queries", static_cast<int64_t>(data.queries.size()), progress && Progress::stderr_is_terminal());
  int64_t done = 0;
  for (const BeirQuery& q : data.queries) {
    Timer timer;
    std::vector<Hit> hits;
    try {
      hits = library.search(q.text, filters, options);
    } catch (const Error& e) {
      // A claim Xapian's parser rejects scores 0 (as a query with no hits would), and is counted.
      spdlog::warn("query {} failed: {}", q.id, e.what());
      ++out.errors;
    }
    out.latencies_ms.push_back(timer.seconds() * 1e3);
    // Chunks of one document collapse into one hit with the best chunk's score.
    std::map<std::string, double> best;
    for (const Hit& h : hits) {
      auto [it, inserted] = best.emplace(h.path, h.score);
      if (!inserted) it->second = std::max(it->second, h.score);
    }
    std::vector<ScoredDoc>& ranked = out.run[q.id];
    for (const auto& [id, score] : best) ranked.push_back({id, score});
    bar.update(++done);
  }
  bar.finish();
  return out;
}

namespace {

nlohmann::json report_json(const BeirDataset& data, const EvalOptions& options, const config::IndexConfig& ix,
                           const EvalResult& r) {
  const std::vector<double>& lat = r.queries.latencies_ms;
  double mean = 0;
  for (double v : lat) mean += v;
  if (!lat.empty()) mean /= static_cast<double>(lat.size());
  const Cutoffs& c = options.cutoffs;
  return {
      {"dataset", data.name},
      {"split", data.split},
      {"collection", r.collection},
      {"documents", r.ingest.documents},
      {"chunks", r.ingest.chunks},
      {"queries", r.summary.queries},
      {"k", options.depth},
      {"metrics",
       {{"ndcg@" + std::to_string(c.ndcg), r.summary.ndcg},
        {"recall@" + std::to_string(c.recall), r.summary.recall},
        {"mrr@" + std::to_string(c.mrr), r.summary.mrr}}},
      {"queries_without_hits", r.summary.queries_no_hits},
      {"query_errors", r.queries.errors},
      {"timing",
       {{"ingest_seconds", r.ingest.seconds},
        {"ingest_mb_per_s", r.ingest.seconds > 0 ? r.ingest.bytes / 1e6 / r.ingest.seconds : 0.0},
        {"query_p50_ms", percentile(lat, 50)},
        {"query_p99_ms", percentile(lat, 99)},
        {"query_mean_ms", mean}}},
      {"bm25", {{"k1", ix.bm25_k1}, {"b", ix.bm25_b}, {"k3", ix.bm25_k3}, {"min_normlen", ix.bm25_min_normlen}}},
      {"stem_language", ix.stem_language},
      {"tie_break", "score descending, then doc id descending (strcmp), as trec_eval"},
      {"peak_rss_bytes", peak_rss_bytes()},
  };
}

}  // namespace

EvalResult run_beir_eval(Library& library, const config::Config& config, const BeirDataset& data,
                         const EvalOptions& options) {
  EvalResult r;
  r.collection = beir_collection_name(data.name);
  r.ingest = ingest_beir(library, data.corpus, r.collection, options.batch_documents, options.progress);
  spdlog::info("eval-retrieval: ingested {} documents ({} chunks) in {:.2f} s", r.ingest.documents,
               r.ingest.chunks, r.ingest.seconds);
  r.queries = run_beir_queries(library, data, r.collection, options.depth, options.progress);
  r.summary = evaluate(r.queries.run, data.qrels, options.cutoffs);
  r.doc = report_json(data, options, config.index, r);

  return r;
}

}  // namespace hayloft::eval
