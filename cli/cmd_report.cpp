// hayloft report: stored runs (ask, compare, niah, eval, ...) rendered to Markdown and self-contained
// HTML, with their plots as SVG files beside them.
#include <cstdio>

#include "cli/commands.hpp"
#include "index/index.hpp"
#include "report/report.hpp"
#include "util/util.hpp"

namespace hayloft::cli {

CommandSpec report_spec() {
  return {"report",
          "render stored runs to Markdown and HTML with their plots",
          "RUN_ID... [--out DIR] [--format md,html]",
          "Writes DIR/report.md and DIR/report.html (one self-contained page: inline style, no scripts) for\n"
          "the runs given, in that order, and the plots beside them as SVG: a heat map per route for niah\n"
          "runs (run-<id>-niah-<mode>.svg), an accuracy bar chart with standard errors for eval runs\n"
          "(run-<id>-accuracy.svg). ask and compare runs show the question, route and reason, answers,\n"
          "citations and metrics; eval runs the summary per mode, the auto goal and wrong answers. An\n"
          "unknown run id is an error and nothing is written. See `hayloft runs` for ids.",
          {{"out", 'o', "DIR", "folder to write into (created)", "hayloft-report"},
           {"format", 0, "F,..", "md, html or both", "md,html"}},
          1,
          -1};
}

int report_run(Context& ctx) {
  std::vector<int64_t> ids;
  for (const auto& arg : ctx.args.positional()) {
    int64_t id = 0;
    try {
      size_t used = 0;
      id = std::stoll(arg, &used);
      if (used != arg.size() || id < 1) throw std::invalid_argument(arg);
    } catch (const std::exception&) {
      throw UsageError{"run IDs are positive integers, got '" + arg + "'"};
    }
    ids.push_back(id);
  }
  report::ReportOptions options;
  options.out_dir = ctx.args.get("out", "hayloft-report");
  options.markdown = options.html = false;
  for (const auto& f : split_list(ctx.args.get("format", "md,html"))) {
    if (f == "md" || f == "markdown") options.markdown = true;
    else if (f == "html") options.html = true;
    else throw UsageError{"--format takes md and html, got '" + f + "'"};
  }
  if (!options.markdown && !options.html) throw UsageError{"--format is empty"};

  // Every run is fetched before anything is written: an unknown id leaves no half report behind.
  index::Library library(ctx.home, ctx.config, index::Library::Mode::kRead);
  std::vector<index::RunRecord> runs;
  for (int64_t id : ids) {
    auto run = library.store().get_run(id);
    if (!run) throw Error(ErrorKind::kNotFound, "no such run (see `hayloft runs`)", std::to_string(id));
    runs.push_back(std::move(*run));
  }
  report::ReportOutput out = report::write_report(runs, options);

  if (ctx.json) {
    nlohmann::json kinds = nlohmann::json::array();
    for (const auto& r : runs) kinds.push_back({{"id", r.id}, {"kind", r.kind}});
    print_json({{"ok", true}, {"out", options.out_dir}, {"files", out.files}, {"runs", kinds}});
    return 0;
  }
  for (const auto& f : out.files) std::printf("%s\n", f.c_str());
  return 0;
}

}  // namespace hayloft::cli
