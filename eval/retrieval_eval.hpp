#pragma once
// Internal to index/ and its tools (cli eval-retrieval, bench/): loading BEIR-format data sets, scoring a
// ranked run against graded relevance judgements with trec_eval's formulae, and the glue that ingests a
// BEIR corpus into a Library and runs its queries. The metrics see only (doc id, score) lists, so they are
// testable on hand-made rankings.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "index/index.hpp"

namespace hayloft::eval {

using index::Library;
using index::NewDocument;
using index::RunRecord;

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

// ---------------------------------------------------------------------------------------------------
// BEIR through a Library

// The collection a data set is ingested into: "beir-" + name, characters outside [A-Za-z0-9_.-] as '_'.
std::string beir_collection_name(const std::string& dataset_name);

// One NewDocument per corpus entry, in corpus order: path (the unique key) = the corpus id, title = the
// entry's title (KeywordIndex indexes it with its title weight), and the whole text as ONE chunk, so a hit
// maps straight back to a corpus id. content_hash is a 64-bit FNV-1a fingerprint of title and text (hex).
std::vector<NewDocument> beir_documents(const std::vector<BeirDoc>& corpus);

struct BeirIngest {
  int64_t documents = 0;
  int64_t chunks = 0;
  int64_t bytes = 0;     // title + text bytes
  double seconds = 0;    // wall time of Library::add_documents (building the NewDocuments included)
};

// Replaces `collection` in `library` (removing an existing one first) with the corpus.
BeirIngest ingest_beir(Library& library, const std::vector<BeirDoc>& corpus, const std::string& collection,
                       int batch_documents, bool progress);

struct QueryRun {
  std::map<std::string, std::vector<ScoredDoc>> run;  // query id -> hits, one per corpus id
  std::vector<double> latencies_ms;                   // one per query, Library::search wall time
  int errors = 0;                                     // queries Library::search rejected (scored 0)
};

// Runs every query of `data` through Library::search restricted to `collection`, top `depth` chunks;
// chunks of one document are merged into one hit with the maximum score.
QueryRun run_beir_queries(Library& library, const BeirDataset& data, const std::string& collection,
                          int depth, bool progress);

struct EvalOptions {
  int depth = 100;             // chunks retrieved per query
  int batch_documents = 1000;  // documents per Library commit while ingesting
  bool progress = true;        // progress bars on stderr (drawn only on a tty)
  Cutoffs cutoffs;
};

struct EvalResult {
  std::string collection;
  BeirIngest ingest;
  QueryRun queries;
  Summary summary;
  int64_t run_id = 0;  // set by whoever stores the run (app::eval_retrieval)
  nlohmann::json doc;  // the report: what `hayloft eval-retrieval --json` prints and the run stores
};

// The whole evaluation in `library` (opened for writing with config.index's BM25 parameters): ingest,
// query, score. Storing the run is the caller's (app::eval_retrieval).
EvalResult run_beir_eval(Library& library, const config::Config& config, const BeirDataset& data,
                         const EvalOptions& options);

}  // namespace hayloft::eval
