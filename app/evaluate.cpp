// eval and eval-retrieval: question sets and SQuAD articles through the Answerer, BEIR through the index.
#include <algorithm>
#include <map>

#include "app/app.hpp"
#include "app/runs.hpp"

namespace hayloft::app {

// From the planner itself: the article's chunks counted by the model's tokenizer, its longest chosen
// question, the instructions, with lc's overflow policy set to refuse.
std::string lc_misfit(Answering& a, const std::vector<index::NewDocument>& docs, const eval::SquadArticle& article,
                      const std::vector<size_t>& questions) {
  pipeline::PlanInput in;
  in.mode = pipeline::Mode::kLc;
  in.model = a.model_info;
  in.instruction_tokens = a.answerer->instruction_tokens();
  for (size_t q : questions) {
    in.question_tokens = std::max(in.question_tokens, a.generator->count_tokens(article.questions[q].question));
  }
  in.collection.documents = static_cast<int64_t>(docs.size());
  for (const auto& d : docs) {
    in.collection.chunks += static_cast<int64_t>(d.chunks.size());
    for (const auto& c : d.chunks) in.collection.total_tokens += a.generator->count_tokens(c.text);
  }
  config::PipelineConfig cfg = a.config.pipeline;
  cfg.lc_overflow = "refuse";
  try {
    pipeline::plan(in, cfg);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kResourceExhausted) throw;
    return e.what();
  }
  return {};
}

std::vector<eval::EvalCase> squad_cases(Answering& a, const std::vector<eval::SquadArticle>& articles,
                                        const eval::SquadSelectOptions& select) {
  const index::IngestOptions io = index::ingest_options(a.config.ingest);
  std::map<size_t, std::vector<index::NewDocument>> docs;  // built once: for the fit test, then stored
  auto fits = [&](const eval::SquadArticle& article, const std::vector<size_t>& questions) {
    size_t i = static_cast<size_t>(&article - articles.data());
    docs[i] = eval::squad_documents(article, io.chunk);
    return lc_misfit(a, docs[i], article, questions);
  };
  eval::SquadSelection sel = eval::select_squad(articles, select, fits);
  for (const auto& skip : sel.skipped) spdlog::warn("skipped article {}: it does not fit lc: {}", skip.title, skip.why);
  if (sel.picks.empty()) throw Error(ErrorKind::kInvalidArgument, "no SQuAD article fits the model's window");
  std::vector<eval::EvalCase> cases;
  for (const auto& pick : sel.picks) {
    const eval::SquadArticle& article = articles[pick.article];
    std::string name = eval::squad_collection_name(article.title);
    std::string how = eval::ensure_collection(a.library, name, std::move(docs[pick.article]));
    spdlog::info("article {}: collection {} ({}), {} questions", article.title, name, how, pick.questions.size());
    for (size_t q : pick.questions) cases.push_back({name, article.questions[q]});
  }
  return cases;
}

EvalOutcome run_eval(Answering& a, std::vector<eval::EvalCase> cases, const EvalRequest& request,
                     const eval::EvalHooks& hooks) {
  if (request.limit > 0 && static_cast<size_t>(request.limit) < cases.size()) {
    cases.resize(static_cast<size_t>(request.limit));
  }
  eval::EvalSettings settings = request.settings;
  settings.unanswerable_word = a.config.pipeline.unanswerable_answer;
  eval::EvalHeader header;
  header.set = request.set;
  header.model = a.generator->model_name();
  header.modes = settings.modes;
  for (const auto& c : cases) {
    if (std::find(header.collections.begin(), header.collections.end(), c.collection) == header.collections.end()) {
      header.collections.push_back(c.collection);
    }
  }
  spdlog::info("eval: {} questions x {} modes over {} collection(s) with {}", cases.size(), settings.modes.size(),
               header.collections.size(), header.model);

  Timer timer;
  eval::EvalRun run = eval::run_eval(*a.answerer, cases, settings, hooks);
  header.interrupted = run.interrupted;
  if (run.interrupted) {
    spdlog::warn("interrupted after {} of {} answers: the summary is partial", run.records.size(),
                 cases.size() * settings.modes.size());
  }
  EvalOutcome o;
  o.doc = eval::eval_result_json(header, run.records);
  o.cases = cases.size();
  o.answers = run.records.size();
  o.interrupted = run.interrupted;
  o.run_id = store_eval_run(a.library, a.model_key, request, header, o, timer.seconds());
  return o;
}

eval::EvalResult eval_retrieval(const std::string& home, const config::Config& config, const eval::BeirDataset& data,
                                const eval::EvalOptions& options) {
  index::Library library(home, config, index::Library::Mode::kWrite);
  eval::EvalResult r = eval::run_beir_eval(library, config, data, options);
  r.run_id = store_retrieval_eval_run(library, data, options, r);
  r.doc["run_id"] = r.run_id;
  return r;
}

}  // namespace hayloft::app
