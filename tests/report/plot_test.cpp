#include "report/plot.hpp"

#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "util/error.hpp"
#include "util/file_map.hpp"

namespace hayloft::report {
namespace {

namespace fs = std::filesystem;

Heatmap grid() {
  Heatmap m;
  m.title = "NIAH, lc route";
  m.lengths = {1024, 2048, 4096};
  m.depths = {0, 50, 100};
  m.values = {{1, 1, 0.5}, {1, 0, NAN}, {0.25, 1, 1}};
  return m;
}

fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / ("hl_plot_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

uint32_t be32(const std::string& s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) |
         (uint32_t(uint8_t(s[at + 2])) << 8) | uint32_t(uint8_t(s[at + 3]));
}

TEST(Plot, WritesPngOfTheGridSize) {
  fs::path p = temp_dir() / "map.png";
  write_heatmap(grid(), p.string());
  std::string bytes = read_file(p.string());
  ASSERT_GT(bytes.size(), 24u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // IHDR width/height: 70 + 3 × 56 + 16 = 254 wide, 44 + 3 × 56 + 46 = 258 high.
  EXPECT_EQ(be32(bytes, 16), 254u);
  EXPECT_EQ(be32(bytes, 20), 258u);
  fs::remove_all(p.parent_path());
}

TEST(Plot, WritesSvg) {
  fs::path p = temp_dir() / "map.svg";
  write_heatmap(grid(), p.string());
  std::string text = read_file(p.string());
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.find("254"), std::string::npos);  // width attribute
  // 9 cells are drawn as filled rectangles: at least that many fill colours appear.
  size_t fills = 0;
  for (size_t at = text.find("fill:rgb"); at != std::string::npos; at = text.find("fill:rgb", at + 1)) ++fills;
  EXPECT_GE(fills, 9u);
  fs::remove_all(p.parent_path());
}

TEST(Plot, RejectsBadInput) {
  EXPECT_THROW(write_heatmap(grid(), "/tmp/map.jpg"), Error);
  Heatmap bad = grid();
  bad.values[1].pop_back();
  EXPECT_THROW(write_heatmap(bad, "/tmp/map.svg"), Error);
  bad = grid();
  bad.values[0][0] = 1.5;
  EXPECT_THROW(write_heatmap(bad, "/tmp/map.svg"), Error);
  EXPECT_THROW(write_heatmap(grid(), "/nonexistent-dir/map.png"), Error);
  EXPECT_EQ(length_label(4096), "4k");
  EXPECT_EQ(length_label(2000), "2k");
  EXPECT_EQ(length_label(500), "500");
}

}  // namespace
}  // namespace hayloft::report
