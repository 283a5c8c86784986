#include "util/util.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>

namespace hayloft {
namespace {

TEST(Error, ContextIsPrependedAndKept) {
  Error e(ErrorKind::kCorrupt, "bad magic", "model.gguf");
  Error outer = e.with_context("loading model");
  EXPECT_EQ(outer.kind(), ErrorKind::kCorrupt);
  EXPECT_EQ(outer.context(), "loading model: model.gguf");
  EXPECT_STREQ(outer.what(), "loading model: model.gguf: bad magic");
}

TEST(MappedFile, MapsContentAndRejectsMissingFile) {
  std::string path = testing::TempDir() + "/mapped.bin";
  { std::ofstream(path) << "hello"; }
  MappedFile f(path);
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f.data()), f.size()), "hello");
  EXPECT_THROW(MappedFile(path + ".missing"), Error);
}

TEST(ReadFile, EnforcesSizeLimit) {
  std::string path = testing::TempDir() + "/limit.txt";
  { std::ofstream(path) << std::string(100, 'x'); }
  EXPECT_EQ(read_file(path, 100).size(), 100u);
  try {
    read_file(path, 99);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kResourceExhausted);
  }
}

TEST(ThreadPool, ParallelForVisitsEveryIndexOnce) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> seen(1000);
  pool.parallel_for(seen.size(), [&](size_t i) { seen[i]++; });
  for (auto& s : seen) EXPECT_EQ(s.load(), 1);
}

TEST(Timing, PeakRssIsAtLeastCurrent) {
  EXPECT_GT(current_rss_bytes(), 0);
  EXPECT_GE(peak_rss_bytes(), current_rss_bytes());
}

}  // namespace
}  // namespace hayloft
