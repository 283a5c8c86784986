// ask and compare: one loaded model answering over the library.
#include "app/app.hpp"
#include "app/runs.hpp"

namespace hayloft::app {

void require_collection(index::Library& library, const std::string& collection) {
  auto info = library.store().find_collection(collection);
  if (!info) throw Error(ErrorKind::kNotFound, "no such collection (see `hayloft collections`)", collection);
  if (info->chunks == 0) {
    throw Error(ErrorKind::kInvalidArgument, "collection '" + collection + "' is empty: ingest documents first");
  }
}

Answering::Answering(const Home& h, const EngineChoice& choice, const std::vector<std::string>& collections)
    : home(h.dir), config(with_engine_choice(h.config, choice)), library(h.dir, config, index::Library::Mode::kWrite) {
  for (const auto& c : collections) require_collection(library, c);
  auto local = load_generator(config, choice.model);
  model_info = local->planner_info();
  model_key = local->model_key();
  generator = std::move(local);
  answerer = std::make_unique<pipeline::Answerer>(library, *generator, model_info, model_key, config);
}

AskResult ask(Answering& a, const pipeline::AskRequest& request, const pipeline::TextCallback& on_text) {
  AskResult r{a.answerer->ask(request, on_text), 0};
  r.run_id = store_ask_run(a.library, a.model_key, request, r.outcome);
  return r;
}

nlohmann::json ask_json(const AskResult& result, const pipeline::AskRequest& request) {
  nlohmann::json doc = pipeline::ask_result_json(result.outcome);
  doc["ok"] = true;
  doc["run_id"] = result.run_id;
  doc["collection_name"] = request.collection;
  return doc;
}

CompareResult compare(Answering& a, pipeline::AskRequest request,
                      const std::function<void(const CompareRow&)>& on_row) {
  CompareResult r;
  r.modes = nlohmann::json::array();
  for (pipeline::Mode mode : {pipeline::Mode::kLc, pipeline::Mode::kRag, pipeline::Mode::kAuto}) {
    CompareRow row{mode, std::nullopt, {}};
    request.mode = mode;
    try {
      row.outcome = a.answerer->ask(request);
    } catch (const Error& e) {
      // Only the planner's refusal is a result; anything else (I/O, corrupt data) ends the comparison.
      if (e.kind() != ErrorKind::kResourceExhausted) throw;
      row.error = e.what();
    }
    if (on_row) on_row(row);
    r.modes.push_back(row.outcome ? pipeline::ask_result_json(*row.outcome)
                                  : nlohmann::json{{"mode", pipeline::mode_name(mode)}, {"error", row.error}});
    r.rows.push_back(std::move(row));
  }
  r.run_id = store_compare_run(a.library, a.generator->model_name(), a.model_key, request, r.rows, r.modes);
  return r;
}

}  // namespace hayloft::app
