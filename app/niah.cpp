// niah: the needle-in-a-haystack grid in a scratch home, with its heat maps, stored in the user's home.
#include <filesystem>

#include "app/app.hpp"
#include "app/runs.hpp"
#include "report/report.hpp"

namespace hayloft::app {

namespace {

// "out.svg" + "lc" -> "out-lc.svg".
std::string plot_path(const std::string& base, pipeline::Mode mode) {
  std::filesystem::path p(base);
  std::string ext = p.extension().string();
  std::string stem = base.substr(0, base.size() - ext.size());
  return stem + "-" + pipeline::mode_name(mode) + ext;
}

}  // namespace

NiahOutcome run_niah(const Home& home, const EngineChoice& choice, const NiahRequest& request,
                     const NiahHooks& hooks) {
  if (!request.plot.empty()) {
    // Made now, not after the grid: a folder that cannot be made should not cost a whole run.
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::path(request.plot).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) throw Error(ErrorKind::kIo, "cannot create the plot folder: " + ec.message(), dir.string());
  }
  const config::Config config = with_engine_choice(home.config, choice);
  // Inputs first: a typo should not cost a model load.
  const std::string filler = eval::load_haystack(request.haystack);
  const std::vector<eval::Needle> needles = eval::load_needles(request.needles);
  if (needles.empty()) throw Error(ErrorKind::kInvalidArgument, "the needles file holds no needles", request.needles);

  auto generator = load_generator(config, choice.model,
                                  request.options.completion ? pipeline::PromptStyle::kCompletion
                                                             : pipeline::PromptStyle::kChat);
  const pipeline::ModelInfo model_info = generator->planner_info();
  const std::string model_key = generator->model_key();
  if (hooks.on_start) hooks.on_start(*generator, needles.size());
  NiahOutcome o;
  {
    ScratchHome scratch("hayloft-niah");
    o.result = eval::run_niah(filler, needles, request.options, *generator, model_info, model_key, config,
                              scratch.path(), hooks.on_cell, hooks.stop);
  }
  o.result.haystack = request.haystack;
  o.result.needles = request.needles;
  o.context_window = generator->context_window();

  o.doc = eval::to_json(o.result);
  nlohmann::json plots = nlohmann::json::array();
  for (pipeline::Mode mode : o.result.modes) {
    if (request.plot.empty()) break;
    std::string file = plot_path(request.plot, mode);
    report::write_heatmap(report::niah_heatmap(o.result, mode,
                                               "NIAH, " + std::string(pipeline::mode_name(mode)) + ", " +
                                                   o.result.model),
                          file);
    plots.push_back(file);
  }
  o.doc["plots"] = plots;
  o.doc["completion"] = request.options.completion;

  index::Library library(home.dir, config, index::Library::Mode::kWrite);
  o.run_id = store_niah_run(library, model_key, request, o, needles.size());
  return o;
}

}  // namespace hayloft::app
