#include "pipeline/answerer.hpp"

#include <cctype>
#include <cstdio>
#include <set>
#include <unordered_map>
#include <utility>

#include "pipeline/prompt.hpp"
#include "pipeline/answer_text.hpp"
#include "util/util.hpp"

namespace hayloft::pipeline {

using nlohmann::json;

struct Answerer::Pass {
  Attempt attempt;
  RenderedContext context;
  std::string prompt_text;
  DegenerationVerdict verdict;
};

namespace {

// Xapian's parser gives meaning to punctuation and upper-case AND/OR/NOT; a question is plain words, so
// it is searched as lower-case words (non-ASCII bytes kept: they are letters of other scripts).
std::string search_query(std::string_view question) {
  std::string q;
  for (char ch : question) {
    auto c = static_cast<unsigned char>(ch);
    q += (c >= 0x80 || std::isalnum(c)) ? static_cast<char>(std::tolower(c)) : ' ';
  }
  return q;
}

bool blank(std::string_view s) {
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// While a first auto pass may still say the unanswerable word, its text is held back: true as long as
// the letters so far (lower-cased, punctuation and spaces skipped) are a prefix of the word.
bool may_become(std::string_view text, std::string_view word) {
  std::string letters;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalpha(c)) letters += static_cast<char>(std::tolower(c));
    else if (!std::isspace(c) && !std::ispunct(c)) return false;
  }
  return letters.size() <= word.size() ? word.compare(0, letters.size(), letters) == 0
                                       : letters.compare(0, word.size(), word) == 0;
}

}  // namespace

std::string prompt_hash(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

Answerer::Answerer(index::Library& library, Generator& generator, ModelInfo model, std::string model_key,
                   const config::Config& config)
    : library_(library), generator_(generator), model_(std::move(model)), model_key_(std::move(model_key)),
      config_(config) {}

std::vector<ContextChunk> Answerer::collection_chunks(const std::string& collection) {
  index::Store& store = library_.store();
  if (!store.find_collection(collection)) throw Error(ErrorKind::kNotFound, "no such collection", collection);
  std::unordered_map<int64_t, index::DocumentRow> docs;
  for (auto& d : library_.documents(collection)) {
    if (d.state == index::IndexState::kIndexed) docs.emplace(d.id, std::move(d));
  }
  std::vector<ContextChunk> out;
  for (auto& row : library_.chunks(collection)) {
    auto doc = docs.find(row.document_id);
    if (doc == docs.end()) continue;  // pending or being deleted: not part of the collection yet
    ContextChunk c;
    c.chunk_id = row.id;
    c.document_id = row.document_id;
    c.document_title = doc->second.title;
    c.document_path = doc->second.path;
    c.ordinal = row.ordinal;
    c.page = row.page;
    c.source_start = row.source_start;
    c.source_end = row.source_end;
    // Counted once per model with its own tokenizer; ingest's count is approximate.
    if (auto t = store.chunk_tokens(row.id, model_key_)) {
      c.tokens = *t;
    } else {
      c.tokens = generator_.count_tokens(row.text);
      store.set_chunk_tokens(row.id, model_key_, c.tokens);
    }
    c.text = std::move(row.text);
    out.push_back(std::move(c));
  }
  sort_document_order(out);
  return out;
}

CollectionStats Answerer::stats_of(const std::vector<ContextChunk>& chunks) const {
  CollectionStats s;
  std::set<int64_t> documents;
  for (const auto& c : chunks) {
    documents.insert(c.document_id);
    s.total_tokens += c.tokens;
  }
  s.documents = static_cast<int64_t>(documents.size());
  s.chunks = static_cast<int64_t>(chunks.size());
  return s;
}

int Answerer::instruction_tokens() const {
  // The prompt without context and question, chat markup included: the larger of the two routes'.
  RenderedContext empty;
  int most = 0;
  for (Route r : {Route::kLc, Route::kRag}) {
    most = std::max(most, generator_.render(build_messages(config_.pipeline, r, empty, "", true)).tokens);
  }
  return most;
}

std::vector<ContextChunk> Answerer::retrieve(const AskRequest& request, int top_k,
                                             const std::vector<ContextChunk>& all) {
  std::string query = search_query(request.question);
  if (blank(query) || top_k <= 0) return {};
  index::Filters filters;
  filters.collections.push_back(request.collection);
  index::SearchOptions options;
  options.k = top_k;
  std::unordered_map<int64_t, const ContextChunk*> by_id;
  for (const auto& c : all) by_id.emplace(c.chunk_id, &c);
  std::vector<ContextChunk> hits;
  for (const auto& h : library_.search(query, filters, options)) {
    auto it = by_id.find(h.chunk_id);
    if (it == by_id.end()) continue;
    hits.push_back(*it->second);
    hits.back().score = h.score;
  }
  return hits;  // score order, best first
}

Answerer::Pass Answerer::run_pass(const AskRequest& request, const Plan& plan, const std::vector<ContextChunk>& all,
                                  const TextCallback& on_text) {
  const config::PipelineConfig& cfg = config_.pipeline;
  TokenCounter count = [this](std::string_view s) { return generator_.count_tokens(s); };
  Pass pass;
  pass.attempt.plan = plan;
  if (plan.route == Route::kLc) {
    // A fallback to lc was planned on an estimate: cut a few chunks rather than fail after a first pass.
    Overflow overflow = plan.truncate || plan.fallback ? Overflow::kTruncate : Overflow::kRefuse;
    pass.context = render_lc(all, plan.token_budget, count, overflow);
  } else {
    pass.context = pack_rag(retrieve(request, plan.top_k, all), plan.token_budget, count);
  }
  Prompt prompt = generator_.render(build_messages(cfg, plan.route, pass.context, request.question,
                                                   plan.ask_unanswerable));
  pass.prompt_text = prompt.text;

  bool holding = plan.may_fall_back;
  std::string held;
  auto stream = [&](int32_t, std::string_view text) {
    if (!on_text) return true;
    if (holding) {
      held += text;
      if (may_become(held, cfg.unanswerable_answer)) return true;
      holding = false;
      on_text(held);
      return true;
    }
    if (!text.empty()) on_text(text);
    return true;
  };
  DegenerationGuard guard(cfg.degeneration);
  GenerateOptions options;
  options.max_tokens = request.max_tokens;
  options.sampling = config_.sampling;
  GenerateResult r = generator_.generate(prompt, options, guarded_callback(guard, stream));
  if (holding && on_text && !is_unanswerable(r.text, cfg.unanswerable_answer)) on_text(held);

  pass.attempt.text = trim(r.text);
  pass.attempt.metrics = r.metrics;
  pass.attempt.context_chunks = static_cast<int>(pass.context.chunks.size());
  pass.attempt.context_note = pass.context.note;
  pass.verdict = guard.verdict();
  return pass;
}

AskOutcome Answerer::ask(const AskRequest& request, const TextCallback& on_text) {
  if (blank(request.question)) throw Error(ErrorKind::kInvalidArgument, "the question is empty");
  if (request.max_tokens < 1) throw Error(ErrorKind::kInvalidArgument, "max tokens must be >= 1");
  config::PipelineConfig cfg = config_.pipeline;
  if (request.top_k > 0) cfg.rag_top_k = request.top_k;

  AskOutcome out;
  out.model = generator_.model_name();
  std::vector<ContextChunk> all = collection_chunks(request.collection);
  if (all.empty()) {
    throw Error(ErrorKind::kInvalidArgument, "collection '" + request.collection + "' is empty: ingest documents first");
  }
  out.collection = stats_of(all);

  PlanInput in;
  in.question = request.question;
  in.question_tokens = generator_.count_tokens(request.question);
  in.instruction_tokens = instruction_tokens();
  in.mode = request.mode;
  in.collection = out.collection;
  in.model = model_;
  Plan p = plan(in, cfg);
  if (p.may_fall_back) {
    // Low retrieval scores fall back before anything is generated.
    std::vector<double> scores;
    for (const auto& h : retrieve(request, p.top_k, all)) scores.push_back(h.score);
    in.retrieval_scores = std::move(scores);
    p = plan(in, cfg);
  }
  Pass pass = run_pass(request, p, all, on_text);
  if (p.may_fall_back && is_unanswerable(pass.attempt.text, cfg.unanswerable_answer)) {
    in.rag_answered_unanswerable = true;
    Plan fallback = plan(in, cfg);
    out.answer.attempts.push_back(std::move(pass.attempt));
    pass = run_pass(request, fallback, all, on_text);
  }

  Answer& a = out.answer;
  a.question = request.question;
  a.mode = request.mode;
  a.route = pass.attempt.plan.route;
  a.text = pass.attempt.text;
  CitationOptions co;
  co.min_match_words = cfg.citation_min_match_words;
  co.max_matches = cfg.citation_max_matches;
  a.citations = extract_citations(a.text, pass.context.chunks, co);
  a.degeneration = pass.verdict;
  const GenerateMetrics& m = pass.attempt.metrics;
  a.cost = route_cost(m.prompt_tokens - m.reused_prefix_tokens, m.generated_tokens, out.collection.total_tokens,
                      m.prefill_s, cfg.prices);
  // Hosted prices apply to the whole prompt: a provider's prompt cache is billed too (at a discount we do
  // not model); only the local prefill speed is measured on the tokens actually prefilled.
  a.cost.hosted = hosted_costs(m.prompt_tokens, m.generated_tokens, cfg.prices);
  a.attempts.push_back(std::move(pass.attempt));
  out.context = std::move(pass.context.chunks);
  out.prompt_hash = prompt_hash(pass.prompt_text);
  return out;
}

json ask_result_json(const AskOutcome& o) {
  json j = to_json(o.answer);
  const GenerateMetrics& m = o.answer.attempts.back().metrics;
  double total = 0;
  for (const auto& t : o.answer.attempts) total += t.metrics.total_s;
  // The headline numbers at the top level; per-attempt detail stays under "attempts".
  j["prompt_tokens"] = m.prompt_tokens;
  j["generated_tokens"] = m.generated_tokens;
  j["time_to_first_token_s"] = m.time_to_first_token_s;
  j["total_s"] = total;
  j["peak_rss_bytes"] = m.peak_rss_bytes;
  j["kv_bytes"] = m.kv_bytes;
  j["kv_allocated_bytes"] = m.kv_allocated_bytes;
  j["model"] = o.model;
  j["prompt_hash"] = o.prompt_hash;
  json ids = json::array();
  for (const auto& c : o.context) ids.push_back(c.chunk_id);
  j["context_chunk_ids"] = ids;
  j["collection"] = {{"documents", o.collection.documents},
                     {"chunks", o.collection.chunks},
                     {"tokens", o.collection.total_tokens}};
  return j;
}

}  // namespace hayloft::pipeline
