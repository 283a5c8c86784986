// The grid behind a NIAH heat map: hit rate per (depth, length) over the needles of one route.
#include <cmath>

#include "report/report.hpp"

namespace hayloft::report {

using eval::NiahCell;
using eval::NiahResult;
using pipeline::Mode;

Heatmap niah_heatmap(const NiahResult& r, Mode mode, const std::string& title) {
  Heatmap map;
  map.title = title;
  map.lengths = r.lengths;
  map.depths = r.depths;
  // [depths][lengths] hits and cells, then the rate; cells of lengths/depths not in the lists are ignored.
  std::vector<std::vector<int>> hits(r.depths.size(), std::vector<int>(r.lengths.size(), 0));
  std::vector<std::vector<int>> runs = hits;
  for (const NiahCell& c : r.cells) {
    if (c.mode != mode) continue;
    for (size_t d = 0; d < r.depths.size(); ++d) {
      if (r.depths[d] != c.depth) continue;
      for (size_t l = 0; l < r.lengths.size(); ++l) {
        if (r.lengths[l] != c.length) continue;
        ++runs[d][l];
        hits[d][l] += c.hit ? 1 : 0;
      }
    }
  }
  for (size_t d = 0; d < r.depths.size(); ++d) {
    std::vector<double> row;
    for (size_t l = 0; l < r.lengths.size(); ++l) {
      row.push_back(runs[d][l] ? static_cast<double>(hits[d][l]) / runs[d][l] : NAN);
    }
    map.values.push_back(std::move(row));
  }
  return map;
}

}  // namespace hayloft::report
