#pragma once
// Plots for reports: the NIAH heat map (context length × needle depth, one per route), drawn with Cairo
// to SVG or PNG. Colours run red (0 % found) through yellow to green (100 %), as in the well-known
// needle-in-a-haystack harness, so maps read the same.
#include <string>
#include <vector>

namespace hayloft::pipeline {

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

// "512", "1k", "4k", "128k": how lengths are labelled (thousands of tokens when divisible by 1024).
std::string length_label(int tokens);

}  // namespace hayloft::pipeline
