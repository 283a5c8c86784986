// hayloft niah: the needle-in-a-haystack grid per route (lc, rag) with heat maps and a cost table, run in a
// scratch home (the user's collections are never touched) and stored as one run of kind "niah".
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "engine/engine.hpp"
#include "index/index.hpp"
#include "pipeline/local_generator.hpp"
#include "eval/eval.hpp"
#include "pipeline/pipeline.hpp"
#include "report/report.hpp"
#include "util/util.hpp"

namespace hayloft::cli {

CommandSpec niah_spec() {
  return {"niah",
          "needle-in-a-haystack grid per route (lc, rag) with heat maps and costs",
          "--haystack DIR --needles FILE [--lengths L,..] [--depths D,..] [--modes lc,rag] [--plot FILE.svg]",
          "For every needle, context length and depth: the haystack (the *.txt files of DIR, sorted, as\n"
          "filler) gets the needle at the sentence boundary nearest the depth; then each mode answers the\n"
          "needle's question: lc with the haystack in context, rag with it chunked by the ingest chunker,\n"
          "indexed in Xapian and the top passages packed to the RAG budget. A hit when the answer holds the\n"
          "needle's answer. Runs in a temporary home (your collections are never touched). Lengths are\n"
          "model tokens (1k = 1024). A length given with --lengths whose lc prompt the window cannot hold\n"
          "is an error before anything runs (raise --ctx, lower --lengths, or run --modes rag); of the\n"
          "default lengths, those that do not fit are left out (and said so). Ctrl-C stops after the\n"
          "current answer; the partial grid is printed and stored. Needles are JSONL\n"
          "{\"needle\", \"question\", \"answer\"}. --plot FILE.svg writes one heat map per mode as\n"
          "FILE-lc.svg, FILE-rag.svg (.png likewise). Stored as one run (kind niah); see `hayloft report`.\n"
          "--completion is for base models without a chat template (Gemma 3 270M): no chat markup and no\n"
          "instructions; the prompt is the haystack, then \"Question: Q\" and \"Answer: \" followed by the\n"
          "needle's own words before its fact (\"The password to the Hollins Street archive is\"), and the\n"
          "model's continuation up to the first newline is the answer. rag still searches with that text.",
          {{"haystack", 0, "DIR", "folder of .txt filler (e.g. ../shared/data/pg-essays)", ""},
           {"needles", 0, "FILE", "needles JSONL", ""},
           {"lengths", 0, "L,..", "context lengths in tokens (k = 1024)", "those of 1k,2k,4k,8k that fit"},
           {"depths", 0, "D,..", "needle depths in percent", "0,25,50,75,100"},
           {"modes", 0, "M,..", "routes to test: lc, rag", "lc,rag"},
           {"model", 'm', "NAME|PATH", "answering model (see `hayloft model list`)", "engine.default_model"},
           {"tokens", 'n', "N", "tokens to generate at most per answer", "32"},
           {"top-k", 'k', "K", "passages retrieved for rag", "pipeline.rag_top_k"},
           {"plot", 0, "FILE", "heat maps: FILE-<mode>.svg or .png", ""},
           {"completion", 0, "", "base models: plain text ending in the needle's lead (see above)", ""},
           {"threads", 't', "N", "worker threads", "engine.threads"},
           {"ctx", 0, "N", "KV-cache positions (0 = the model's window)", "engine.context"}},
          0,
          0};
}

namespace {

// A scratch home removed on every exit path.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hayloft-niah-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw Error(ErrorKind::kIo, "cannot create a scratch folder", tmpl);
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// "out.svg" + "lc" -> "out-lc.svg".
std::string plot_path(const std::string& base, pipeline::Mode mode) {
  std::filesystem::path p(base);
  std::string ext = p.extension().string();
  std::string stem = base.substr(0, base.size() - ext.size());
  return stem + "-" + pipeline::mode_name(mode) + ext;
}

eval::NiahOptions niah_options(const Context& ctx) {
  eval::NiahOptions o;
  try {
    o.lengths = eval::parse_lengths(ctx.args.get("lengths", "1k,2k,4k,8k"));
    o.drop_unfit_lengths = !ctx.args.has("lengths");
    o.depths = eval::parse_depths(ctx.args.get("depths", "0,25,50,75,100"));
    for (const auto& m : split_list(ctx.args.get("modes", "lc,rag"))) {
      pipeline::Mode mode = pipeline::parse_mode(m);
      if (mode == pipeline::Mode::kAuto) throw UsageError{"--modes takes lc and rag (auto has no fixed route)"};
      if (std::find(o.modes.begin(), o.modes.end(), mode) == o.modes.end()) o.modes.push_back(mode);
    }
  } catch (const Error& e) {
    throw UsageError{e.what()};
  }
  if (o.modes.empty()) throw UsageError{"--modes is empty"};
  int64_t n = ctx.args.get_int("tokens", 32);
  if (n < 1 || n > 100000) throw UsageError{"-n must be between 1 and 100000"};
  o.max_tokens = static_cast<int>(n);
  int64_t k = ctx.args.get_int("top-k", 0);
  if (k < 0 || k > 1000) throw UsageError{"--top-k must be between 1 and 1000"};
  o.top_k = static_cast<int>(k);
  o.completion = ctx.args.has("completion");
  return o;
}

void print_text(const eval::NiahResult& r) {
  for (const auto& s : r.summaries) {
    std::printf("%s: %d of %d hits (%.0f%%)\n%8s", pipeline::mode_name(s.mode), s.hits, s.cells, 100 * s.hit_rate,
                "depth");
    report::Heatmap map = report::niah_heatmap(r, s.mode, "");
    for (int l : map.lengths) std::printf(" %6s", eval::length_label(l).c_str());
    std::printf("\n");
    for (size_t d = 0; d < map.depths.size(); ++d) {
      std::printf("%7g%%", map.depths[d]);
      for (double v : map.values[d]) std::isnan(v) ? std::printf(" %6s", "-") : std::printf(" %5.0f%%", 100 * v);
      std::printf("\n");
    }
    std::printf("\n");
  }
  std::printf("%s", eval::niah_cost_markdown(r.summaries).c_str());
}

}  // namespace

int niah_run(Context& ctx) {
  if (!ctx.args.has("haystack") || !ctx.args.has("needles")) throw UsageError{"--haystack and --needles are required"};
  eval::NiahOptions options = niah_options(ctx);
  const std::string plot = ctx.args.get("plot");
  if (!plot.empty() && !plot.ends_with(".svg") && !plot.ends_with(".png")) {
    throw UsageError{"--plot takes a .svg or .png file name"};
  }
  if (!plot.empty()) {
    // Made now, not after the grid: a folder that cannot be made should not cost a whole run.
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::path(plot).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) throw Error(ErrorKind::kIo, "cannot create the plot folder: " + ec.message(), dir.string());
  }
  config::Config config = ctx.config;
  config.engine.threads = static_cast<int>(ctx.args.get_int("threads", config.engine.threads));
  config.engine.context = static_cast<int>(ctx.args.get_int("ctx", config.engine.context));
  if (config.engine.threads < 1 || config.engine.threads > 256) throw UsageError{"--threads must be in 1..256"};
  if (config.engine.context < 0) throw UsageError{"--ctx must be >= 0"};

  // Inputs first: a typo should not cost a model load.
  const std::string haystack_dir = ctx.args.get("haystack"), needles_path = ctx.args.get("needles");
  const std::string filler = eval::load_haystack(haystack_dir);
  const std::vector<eval::Needle> needles = eval::load_needles(needles_path);
  if (needles.empty()) throw Error(ErrorKind::kInvalidArgument, "the needles file holds no needles", needles_path);

  const std::string path = engine::resolve_model(ctx.args.get("model", config.engine.default_model),
                                                 engine::default_model_dirs(config.engine.model_dirs));
  pipeline::LocalGenerator generator(engine::Model::load(path), config.engine,
                                     options.completion ? pipeline::PromptStyle::kCompletion
                                                        : pipeline::PromptStyle::kChat);
  const pipeline::ModelInfo model_info = generator.planner_info();
  const std::string model_key = generator.model_key();
  ScratchDir scratch;
  SigintGuard guard;  // Ctrl-C ends the grid after the current answer, so the scratch home is removed
  std::optional<Progress> bar;  // the total is known once run_niah has left out unfit lengths
  spdlog::info("niah: {} lengths x {} depths x {} needles x {} modes with {}", options.lengths.size(),
               options.depths.size(), needles.size(), options.modes.size(), generator.model_name());
  eval::NiahResult result = eval::run_niah(
      filler, needles, options, generator, model_info, model_key, config, scratch.path(),
      [&bar](const eval::NiahCell& c, size_t done, size_t all) {
        if (!bar) bar.emplace("niah", static_cast<int64_t>(all));
        bar->update(static_cast<int64_t>(done));
        std::string head = c.answer.substr(0, 80);  // one log line: answers may hold line breaks
        for (char& ch : head) ch = (ch == '\n' || ch == '\r') ? ' ' : ch;
        spdlog::info("[{}/{}] {} {} depth {:g}% needle {}: {} ({} prompt tokens, {:.1f} s): {}", done, all,
                     pipeline::mode_name(c.mode), eval::length_label(c.length), c.depth, c.needle,
                     c.hit ? "hit" : "miss", c.prompt_tokens, c.seconds, head);
      },
      [] { return interrupted(); });
  if (bar) bar->finish();
  for (int l : result.dropped_lengths) {
    spdlog::warn("left out the default length {}: its lc prompt does not fit the {}-token window (--ctx)",
                 eval::length_label(l), generator.context_window());
  }
  if (result.interrupted) {
    spdlog::warn("interrupted after {} cells: the grid is partial", result.cells.size());
  }
  result.haystack = haystack_dir;
  result.needles = needles_path;

  nlohmann::json doc = eval::to_json(result);
  nlohmann::json plots = nlohmann::json::array();
  for (pipeline::Mode mode : result.modes) {
    if (plot.empty()) break;
    std::string file = plot_path(plot, mode);
    report::write_heatmap(
        report::niah_heatmap(result, mode, "NIAH, " + std::string(pipeline::mode_name(mode)) + ", " + result.model),
        file);
    plots.push_back(file);
  }
  doc["plots"] = plots;
  doc["completion"] = options.completion;

  index::Library library(ctx.home, config, index::Library::Mode::kWrite);
  index::RunRecord run;
  run.kind = "niah";
  run.question = "needle in a haystack: " + std::to_string(needles.size()) + " needles";
  for (pipeline::Mode m : result.modes) run.route += (run.route.empty() ? "" : ",") + std::string(pipeline::mode_name(m));
  run.reason = "lc and rag per (needle, length, depth)";
  run.params = {{"model", result.model},         {"model_key", model_key},
                {"max_tokens", options.max_tokens}, {"top_k", options.top_k},
                {"context", generator.context_window()}, {"completion", options.completion}};
  run.result = doc;
  run.metrics = {{"peak_rss_bytes", peak_rss_bytes()}};
  const int64_t run_id = library.store().add_run(run);

  if (ctx.json) {
    doc["ok"] = true;
    doc["run_id"] = run_id;
    print_json(doc);
    return 0;
  }
  print_text(result);
  if (result.interrupted) std::printf("interrupted: a partial grid\n");
  for (const auto& p : plots) spdlog::info("heat map: {}", p.get<std::string>());
  spdlog::info("stored as run {} (hayloft report {})", run_id, run_id);
  return 0;
}

}  // namespace hayloft::cli
