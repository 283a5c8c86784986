// Every run record hayloft stores is built here, so `runs` and `report` read one shape per kind.
#include "app/runs.hpp"

namespace hayloft::app {

int64_t store_ask_run(index::Library& library, const std::string& model_key, const pipeline::AskRequest& request,
                      const pipeline::AskOutcome& o) {
  index::RunRecord run;
  run.kind = "ask";
  run.collection = request.collection;
  run.question = request.question;
  run.route = pipeline::route_name(o.answer.route);
  run.reason = o.answer.attempts.back().plan.reason;
  run.params = {{"mode", pipeline::mode_name(request.mode)}, {"model", o.model},     {"model_key", model_key},
                {"max_tokens", request.max_tokens},          {"top_k", request.top_k}};
  run.result = pipeline::ask_result_json(o);
  run.metrics = pipeline::to_json(o.answer.attempts.back().metrics);
  run.metrics["total_s"] = run.result["total_s"];
  return library.store().add_run(run);
}

int64_t store_compare_run(index::Library& library, const std::string& model_name, const std::string& model_key,
                          const pipeline::AskRequest& request, const std::vector<CompareRow>& rows,
                          const nlohmann::json& modes) {
  std::string routes;  // lc,rag,auto's route
  for (const CompareRow& r : rows) {
    routes += (routes.empty() ? "" : ",") +
              (r.outcome ? std::string(pipeline::route_name(r.outcome->answer.route)) : "-");
  }
  index::RunRecord run;
  run.kind = "compare";
  run.collection = request.collection;
  run.question = request.question;
  run.route = routes;
  run.reason = "lc, rag and auto side by side";
  run.params = {{"model", model_name}, {"model_key", model_key},
                {"max_tokens", request.max_tokens}, {"top_k", request.top_k}};
  run.result = {{"modes", modes}};
  run.metrics = {{"peak_rss_bytes", peak_rss_bytes()}};
  return library.store().add_run(run);
}

int64_t store_eval_run(index::Library& library, const std::string& model_key, const EvalRequest& request,
                       const eval::EvalHeader& header, const EvalOutcome& outcome, double total_s) {
  index::RunRecord rec;
  rec.kind = "eval";
  rec.collection = header.collections.size() == 1 ? header.collections[0]
                                                  : std::to_string(header.collections.size()) + " collections";
  rec.question = request.set;
  rec.route = request.modes;
  rec.reason = std::to_string(outcome.cases) + " questions x " + std::to_string(request.settings.modes.size()) +
               " modes" + (outcome.interrupted ? " (interrupted)" : "");
  rec.params = {{"model", header.model},
                {"model_key", model_key},
                {"modes", outcome.doc["modes"]},
                {"max_tokens", request.settings.max_tokens},
                {"top_k", request.settings.top_k},
                {"limit", request.limit},
                {"squad", request.squad},
                {"articles", request.select.articles},
                {"questions_per_article", request.select.questions_per_article},
                {"skip_articles", request.select.skip_articles}};
  rec.result = outcome.doc;
  rec.metrics = {{"peak_rss_bytes", peak_rss_bytes()}, {"total_s", total_s}, {"answers", outcome.answers}};
  return library.store().add_run(rec);
}

int64_t store_retrieval_eval_run(index::Library& library, const eval::BeirDataset& data,
                                 const eval::EvalOptions& options, const eval::EvalResult& r) {
  index::RunRecord run;
  run.kind = "eval-retrieval";
  run.collection = r.collection;
  run.question = data.name + "/" + data.split;
  run.params = {{"dataset", data.name}, {"split", data.split}, {"k", options.depth}, {"bm25", r.doc["bm25"]}};
  run.result = r.doc["metrics"];
  run.metrics = r.doc["timing"];
  return library.store().add_run(run);
}

int64_t store_niah_run(index::Library& library, const std::string& model_key, const NiahRequest& request,
                       const NiahOutcome& o, size_t needles) {
  index::RunRecord run;
  run.kind = "niah";
  run.question = "needle in a haystack: " + std::to_string(needles) + " needles";
  for (pipeline::Mode m : o.result.modes) {
    run.route += (run.route.empty() ? "" : ",") + std::string(pipeline::mode_name(m));
  }
  run.reason = "lc and rag per (needle, length, depth)";
  run.params = {{"model", o.result.model},
                {"model_key", model_key},
                {"max_tokens", request.options.max_tokens},
                {"top_k", request.options.top_k},
                {"context", o.context_window},
                {"completion", request.options.completion}};
  run.result = o.doc;
  run.metrics = {{"peak_rss_bytes", peak_rss_bytes()}};
  return library.store().add_run(run);
}

nlohmann::json run_json(const index::RunRecord& r, bool full) {
  nlohmann::json j = {{"id", r.id},                 {"kind", r.kind},         {"created", r.created},
                      {"collection", r.collection}, {"question", r.question}, {"route", r.route},
                      {"reason", r.reason}};
  if (full) {
    j["params"] = r.params;
    j["result"] = r.result;
    j["metrics"] = r.metrics;
  } else {
    j["answer"] = r.result.value("answer", std::string());
    j["total_s"] = r.metrics.value("total_s", 0.0);
  }
  return j;
}

}  // namespace hayloft::app
