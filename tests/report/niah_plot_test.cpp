// The NIAH heat map's grid: hit rate per depth and length over needles, one route at a time.
#include <gtest/gtest.h>

#include <cmath>

#include "../eval/niah_grid.hpp"
#include "report/report.hpp"

namespace hayloft::report {
namespace {

using eval::NiahResult;
using eval::testing::grid;
using pipeline::Mode;

TEST(NiahPlot, HeatmapIsHitRatePerDepthAndLengthOverNeedles) {
  NiahResult r = grid();
  Heatmap lc = niah_heatmap(r, Mode::kLc, "lc");
  ASSERT_EQ(lc.values.size(), 3u);
  ASSERT_EQ(lc.values[0].size(), 2u);
  EXPECT_DOUBLE_EQ(lc.values[0][0], 1.0);
  EXPECT_DOUBLE_EQ(lc.values[1][0], 0.5);  // one of two needles
  EXPECT_DOUBLE_EQ(lc.values[1][1], 1.0);
  EXPECT_TRUE(std::isnan(lc.values[2][1]));  // never ran
  Heatmap rag = niah_heatmap(r, Mode::kRag, "rag");
  EXPECT_DOUBLE_EQ(rag.values[0][0], 0.0);   // rag cells only: lc hits do not leak in
}

}  // namespace
}  // namespace hayloft::report
