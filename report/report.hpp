#pragma once
// report: stored runs rendered to Markdown and to one self-contained HTML page (inline style, no
// scripts, every piece of run text escaped), with plots written beside them as SVG files through plot.hpp.
// This is the module's one public header (it includes plot.hpp); only this module links Cairo.
// Kinds: "ask" and "compare" (question, route and reason, answer, citations, metrics), "niah" (heat map
// per mode, grid and cost table), "eval" (summary per mode, the auto goal's verdict, accuracy bar chart,
// a sample of wrong answers); any other kind gets its fields and parameters. Stored results are read
// leniently: unknown fields are ignored, missing optional ones shown as "-".
#include <string>
#include <string_view>
#include <vector>

#include "eval/eval.hpp"
#include "index/index.hpp"
#include "report/plot.hpp"

namespace hayloft::report {

struct ReportOptions {
  std::string out_dir;          // created when missing
  bool markdown = true;         // write <name>.md
  bool html = true;             // write <name>.html
  std::string name = "report";  // file stem
  size_t wrong_sample = 10;     // eval: wrong answers shown
};

struct ReportOutput {
  std::vector<std::string> files;  // every file written: plots first, then the reports
  std::string markdown;            // the texts as written (empty when not asked for)
  std::string html;
};

// Renders `runs` in the order given. Plots are named run-<id>-<what>.svg and referenced by file name, so
// the folder can be moved as a whole. Error{kInvalidArgument} when no runs or no format are given,
// Error{kIo} when a file cannot be written, Error{kCorrupt} for a niah run whose cells cannot be read.
ReportOutput write_report(const std::vector<index::RunRecord>& runs, const ReportOptions& options);

// &, <, >, " and ' as entities: safe in HTML text and in quoted attributes.
std::string html_escape(std::string_view text);

// Markdown text that renders as the literal text: HTML-significant characters as entities and Markdown
// punctuation (\ ` * _ [ ] | #) backslash-escaped; line breaks become spaces (one-line contexts).
std::string markdown_escape(std::string_view text);

// The heat map of one route's NIAH cells: hit rate per (depth, length), averaged over needles; NaN where
// no cell ran.
Heatmap niah_heatmap(const eval::NiahResult& result, pipeline::Mode mode, const std::string& title);

}  // namespace hayloft::report
