#pragma once
// Internal to report.cpp / report_sections.cpp: a report is a list of blocks built once per run and
// rendered twice (Markdown, HTML), so escaping lives in the two renderers only and the kinds' code never
// writes markup.
#include <string>
#include <utility>
#include <vector>

#include "eval/eval.hpp"
#include "index/index.hpp"
#include "report/report.hpp"

namespace hayloft::report::page {

using eval::AutoGoal;
using eval::ModeSummary;
using eval::NiahCell;
using eval::NiahResult;
using eval::NiahSummary;
using eval::niah_from_json;
using pipeline::HostedCost;
using pipeline::Mode;
using pipeline::mode_name;

struct Block {
  enum class Kind { kHeading, kText, kFields, kTable, kQuote, kImage, kCode };
  Kind kind = Kind::kText;
  int level = 2;                                            // kHeading
  std::string text;                                         // heading, text, quote, code; image alt text
  std::vector<std::pair<std::string, std::string>> fields;  // kFields: label, value
  std::vector<std::string> header;                          // kTable
  std::vector<std::vector<std::string>> rows;               // kTable: cells as plain text
  std::string file;                                         // kImage: file name beside the report
};

using Blocks = std::vector<Block>;

Block heading(int level, std::string text);
Block text(std::string text);
Block fields(std::vector<std::pair<std::string, std::string>> fields);
Block table(std::vector<std::string> header, std::vector<std::vector<std::string>> rows);
Block quote(std::string text);
Block image(std::string file, std::string alt);
Block code(std::string text);

// Where plots go and which were written (report.cpp collects them into ReportOutput::files).
struct PlotSink {
  std::string dir;
  std::vector<std::string> written;  // full paths
};

// One section per run (report_sections.cpp), by kind; plots are written into sink.dir.
Blocks ask_section(const index::RunRecord& run);
Blocks compare_section(const index::RunRecord& run);
Blocks niah_section(const index::RunRecord& run, PlotSink& sink);
Blocks eval_section(const index::RunRecord& run, PlotSink& sink, size_t wrong_sample);
Blocks generic_section(const index::RunRecord& run);

// Formatting helpers shared by the sections.
std::string fixed(double v, int digits);
std::string utc_time(int64_t seconds);  // "2026-11-23 23:40 UTC"

}  // namespace hayloft::report::page
