#pragma once
// Internal to index/ and its tools (cli eval-retrieval, bench/): loading BEIR-format data sets and scoring a
// ranked run against graded relevance judgements with trec_eval's formulae. Knows nothing of Xapian or
// SQLite: a run is plain (doc id, score) lists, so the metrics are testable on hand-made rankings.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hayloft::index::eval {

// One corpus entry of corpus.jsonl ({"_id", "title", "text"}).
struct BeirDoc {
  std::string id;
  std::string title;
  std::string text;
};

struct BeirQuery {
  std::string id;
  std::string text;
};

// query id -> (doc id -> relevance grade). Grades are small non-negative integers; 0 = judged non-relevant.
using Qrels = std::map<std::string, std::map<std::string, int>>;

struct BeirDataset {
  std::string name;                // the directory's last component, e.g. "scifact"
  std::string split;               // e.g. "test"
  std::vector<BeirDoc> corpus;     // file order
  std::vector<BeirQuery> queries;  // only the queries judged in the split, in queries.jsonl order
  Qrels qrels;
};

// Parses corpus.jsonl / queries.jsonl text. `context` names the file in errors. Blank lines are skipped;
// a line that is not a JSON object with a string "_id" (and string "text"; "title" optional) throws
// Error{kCorrupt} naming the line. Duplicate ids throw kCorrupt.
std::vector<BeirDoc> parse_corpus_jsonl(std::string_view text, const std::string& context);
std::vector<BeirQuery> parse_queries_jsonl(std::string_view text, const std::string& context);

// Parses a qrels TSV: "query-id <TAB> corpus-id <TAB> score" per line; LF or CRLF line endings; an optional
// header line (first line whose score field is not an integer, e.g. "query-id corpus-id score"). Also
// accepts the 4-column TREC form "qid 0 docno grade". Anything else throws Error{kCorrupt} naming the line.
Qrels parse_qrels(std::string_view text, const std::string& context);

// Loads DIR/corpus.jsonl, DIR/queries.jsonl and DIR/qrels/<split>.tsv. Throws kNotFound for a missing file,
// kCorrupt for bad content, and kInvalidArgument when a judged query has no text in queries.jsonl.
BeirDataset load_beir(const std::string& dir, const std::string& split);

// A scored hit in a run.
struct ScoredDoc {
  std::string doc_id;
  double score = 0;
};

// Orders hits as trec_eval does before measuring (form_res_rels.c, comp_sim_docno): score descending, ties
// broken by docno *descending* in strcmp order (strcmp(b, a)), so of two equal scores "9" ranks above "10".
// The rank a system assigned is ignored, exactly as trec_eval ignores the rank column.
void sort_trec(std::vector<ScoredDoc>& hits);

struct Cutoffs {
  int ndcg = 10;     // nDCG@ndcg
  int recall = 100;  // Recall@recall
  int mrr = 10;      // MRR@mrr
};

struct QueryScores {
  double ndcg = 0;
  double recall = 0;
  double mrr = 0;
};

// Scores one query's hits (any order; sorted here with sort_trec; duplicate doc ids must not occur)
// against its judgements. Formulae (trec_eval 9.0.8 ndcg_cut / recall, BEIR's MRR@k):
//   nDCG@k   = DCG@k / IDCG@k, DCG@k = sum over ranks r=1..k of grade(r) / log2(r + 1), grade = the qrels
//              grade (negative or unjudged counts 0); IDCG@k is the same sum over the qrels' grades sorted
//              descending; 0 when IDCG is 0.
//   Recall@k = |relevant (grade > 0) among the top k| / |relevant in qrels|; 0 when there is none.
//   MRR@k    = 1 / rank of the first relevant hit within the top k; 0 when none.
QueryScores score_query(std::vector<ScoredDoc> hits, const std::map<std::string, int>& judged,
                        const Cutoffs& cutoffs);

struct Summary {
  double ndcg = 0;
  double recall = 0;
  double mrr = 0;
  int queries = 0;           // queries averaged over: every query in qrels
  int queries_no_hits = 0;   // of those, queries the run has no hits for (they score 0, as trec_eval -c)
};

// Averages score_query over every query in `qrels` (trec_eval -c: a judged query missing from the run
// scores 0 rather than being dropped). Run entries for unjudged queries are ignored, as trec_eval does.
Summary evaluate(const std::map<std::string, std::vector<ScoredDoc>>& run, const Qrels& qrels,
                 const Cutoffs& cutoffs);

// The p-th percentile (p in [0, 100]) with linear interpolation between order statistics (numpy's
// default); 0 for an empty input.
double percentile(std::vector<double> values, double p);

}  // namespace hayloft::index::eval
