#include "util/util.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <vector>

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

// A 64 MiB buffer touched and freed raises the peak; after reset_peak_rss the peak is back near the
// current RSS, and a later smaller buffer does not bring the old peak back.
TEST(Timing, ResetPeakRssForgetsAnEarlierPeak) {
  constexpr size_t kBytes = size_t{64} << 20;
  {
    std::vector<char> big(kBytes);
    for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>(i);
    EXPECT_GE(peak_rss_bytes(), static_cast<int64_t>(kBytes));
  }  // freed: glibc returns a buffer this large to the kernel (mmap threshold)
  const int64_t before = peak_rss_bytes();
  ASSERT_TRUE(reset_peak_rss()) << "/proc/self/clear_refs refused";
  const int64_t after = peak_rss_bytes();
  EXPECT_LT(after, before - static_cast<int64_t>(kBytes / 2));
  EXPECT_GE(after, current_rss_bytes());
}

}  // namespace
}  // namespace hayloft
