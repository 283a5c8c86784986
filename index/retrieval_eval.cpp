#include "index/retrieval_eval.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "util/error.hpp"
#include "util/file_map.hpp"

namespace hayloft::index::eval {

namespace {

using nlohmann::json;

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

}  // namespace hayloft::index::eval
