#pragma once
// Plots for reports: the NIAH heat map (context length × needle depth, one per route) and the accuracy
// bar chart of an evaluation (one bar per mode with ± standard error), drawn with Cairo to SVG or PNG. Colours run red (0 % found) through yellow to green (100 %), as in the well-known
// needle-in-a-haystack harness, so maps read the same.
#include <string>
#include <vector>

#include "eval/niah.hpp"

namespace hayloft::report {

using eval::length_label;  // axis labels read as the NIAH grid names its lengths

struct Heatmap {
  std::string title;                        // e.g. "NIAH, lc route, SmolLM2-135M"
  std::vector<int> lengths;                 // columns: context lengths in tokens
  std::vector<double> depths;               // rows: needle depths in percent
  std::vector<std::vector<double>> values;  // [depths.size()][lengths.size()] hit rate 0..1; NaN = not run
};

// Writes `path` as SVG or PNG, chosen by its extension (.svg / .png). Error{kInvalidArgument} for another
// extension, an empty grid, values not shaped [depths][lengths] or outside 0..1; Error{kIo} when the file
// cannot be written; Error{kUnsupported} in a build without Cairo.
void write_heatmap(const Heatmap& map, const std::string& path);

// Bars of values in 0..1 (accuracy per mode) with error whiskers: value ± errors[i], clipped to 0..1.
struct BarChart {
  std::string title;                // e.g. "accuracy per mode (± s.e.), squad-50"
  std::string y_label;              // e.g. "accuracy"
  std::vector<std::string> labels;  // one per bar, e.g. "lc"
  std::vector<double> values;       // [labels.size()] in 0..1
  std::vector<double> errors;       // [labels.size()] half-widths >= 0; empty = no whiskers
};

// As write_heatmap: .svg or .png by extension; Error{kInvalidArgument} for no bars, sizes that differ,
// values outside 0..1 or negative errors; Error{kIo}; Error{kUnsupported} without Cairo.
void write_bar_chart(const BarChart& chart, const std::string& path);

}  // namespace hayloft::report
