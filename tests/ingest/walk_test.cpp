// list_files on a real temp tree: recursion, sorting, globs, pruned folders, non-regular files.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config/config.hpp"
#include "ingest/ingest.hpp"
#include "util/util.hpp"

namespace hayloft::ingest {
namespace {

namespace fs = std::filesystem;

class ListFiles : public testing::Test {
 protected:
  void SetUp() override {
    // One tree per process: ctest runs each test case as its own process, in parallel.
    root_ = (fs::path(testing::TempDir()) / ("walk_tree_" + std::to_string(::getpid()))).lexically_normal().string();
    fs::remove_all(root_);
    for (const char* f : {"b.txt", "a.md", "sub/c.md", "sub/deep/d.md", "sub/deep/e.py", ".hidden/h.md",
                          ".env", "build/out.md", "node_modules/x.js", ".git/config", "x1.md", "x12.md"}) {
      fs::path p = fs::path(root_) / f;
      fs::create_directories(p.parent_path());
      std::ofstream(p) << "text";
    }
    fs::create_symlink(fs::path(root_) / "a.md", fs::path(root_) / "link.md");
    fs::create_directory_symlink(fs::path(root_) / "sub", fs::path(root_) / "sublink");
    ASSERT_EQ(::mkfifo((root_ + "/pipe.md").c_str(), 0600), 0);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::vector<std::string> rel(const std::vector<std::string>& files) {
    std::vector<std::string> out;
    for (const auto& f : files) out.push_back(f.substr(root_.size() + 1));
    return out;
  }

  std::string root_;
  const std::vector<std::string> kDefaultExclude = {".git/**", "node_modules/**", "build/**", "**/.*"};
};

TEST_F(ListFiles, DefaultsSkipHiddenBuildAndNonRegular) {
  auto files = rel(list_files({root_}, {{}, kDefaultExclude}));
  std::vector<std::string> expected = {"a.md", "b.txt", "link.md", "sub/c.md", "sub/deep/d.md", "sub/deep/e.py",
                                       "x1.md", "x12.md"};
  EXPECT_EQ(files, expected);  // sorted; no fifo, no linked folder, no .hidden/.env/.git/build/node_modules
}

TEST_F(ListFiles, IncludeGlobs) {
  EXPECT_EQ(rel(list_files({root_}, {{"*.py"}, kDefaultExclude})), std::vector<std::string>{"sub/deep/e.py"});
  EXPECT_EQ(rel(list_files({root_}, {{"sub/*.md"}, {}})), std::vector<std::string>{"sub/c.md"});
  EXPECT_EQ(rel(list_files({root_}, {{"sub/**/*.md"}, {}})), (std::vector<std::string>{"sub/c.md", "sub/deep/d.md"}));
  EXPECT_EQ(rel(list_files({root_}, {{"x?.md"}, {}})), std::vector<std::string>{"x1.md"});
  EXPECT_EQ(rel(list_files({root_}, {{"**/d.md"}, {}})), std::vector<std::string>{"sub/deep/d.md"});
  EXPECT_EQ(rel(list_files({root_}, {{"*.md"}, {"sub/**", "**/.*", "build/**", "x*"}})),
            (std::vector<std::string>{"a.md", "link.md"}));
}

TEST_F(ListFiles, ExplicitFilesMissingRootsAndDuplicates) {
  std::string a = root_ + "/a.md";
  auto files = list_files({a, root_ + "/sub", a}, {{}, {}});
  EXPECT_EQ(rel(files), (std::vector<std::string>{"a.md", "sub/c.md", "sub/deep/d.md", "sub/deep/e.py"}));
  try {
    list_files({root_ + "/nope"}, {});
    FAIL() << "missing root accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
    EXPECT_EQ(e.context(), root_ + "/nope");
  }
}

TEST_F(ListFiles, DefaultConfigOptions) {
  config::Config config = config::load();
  auto files = rel(list_files({root_}, walk_options(config.ingest)));
  EXPECT_EQ(files, (std::vector<std::string>{"a.md", "b.txt", "link.md", "sub/c.md", "sub/deep/d.md",
                                             "sub/deep/e.py", "x1.md", "x12.md"}));
  EXPECT_EQ(chunk_options(config.ingest).target_tokens, config.ingest.chunk_tokens);
  EXPECT_EQ(read_options(config.ingest).max_uncompressed_bytes, config.ingest.max_uncompressed_bytes);
}

}  // namespace
}  // namespace hayloft::ingest
