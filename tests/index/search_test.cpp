// KeywordIndex through Library: BM25 ranking, phrases, NEAR, boolean operators, wildcards, filters by
// collection/type/language/metadata/document, mtime ranges, snippets and title weighting.
#include <gtest/gtest.h>

#include <algorithm>

#include "index/index.hpp"
#include "tests/index/temp_home.hpp"
#include "util/error.hpp"

namespace hayloft::index {
namespace {

using testing::TempDir;

NewDocument make_doc(const std::string& path, const std::string& title, const std::string& text,
                     int64_t mtime, ingest::DocType type = ingest::DocType::kText,
                     std::map<std::string, std::string> metadata = {}, const std::string& language = "") {
  NewDocument nd;
  nd.doc.path = path;
  nd.doc.title = title;
  nd.doc.text = text;
  nd.doc.type = type;
  nd.doc.language = language;
  nd.doc.mtime = mtime;
  nd.doc.metadata = std::move(metadata);
  nd.doc.source_bytes = static_cast<int64_t>(text.size());
  nd.doc.content_hash = "hash-" + std::to_string(std::hash<std::string>()(title + text));
  ingest::ChunkOptions opts;
  opts.target_tokens = 64;
  opts.overlap_tokens = 0;
  nd.chunks = ingest::chunk_document(nd.doc, ingest::approximate_token_counter(), opts);
  return nd;
}

constexpr int64_t kJan2023 = 1672531200;  // 2023-01-01T00:00:00Z
constexpr int64_t kJun2024 = 1717200000;  // 2024-06-01T00:00:00Z

class SearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lib_ = std::make_unique<Library>(dir_.path(), testing::test_config());
    std::vector<NewDocument> docs;
    docs.push_back(make_doc("fox.txt", "Animals", "The quick brown fox jumps over the lazy dog near the river bank.",
                            kJan2023, ingest::DocType::kText, {{"author", "Aesop"}}));
    docs.push_back(make_doc("brownie.md", "Baking", "Brown sugar makes a chewy brownie. A fox never bakes.",
                            kJun2024, ingest::DocType::kMarkdown, {{"author", "Julia"}}));
    docs.push_back(make_doc("river.txt", "Geography",
                            "The river flows past the old mill. Far away, beyond many hills and valleys and "
                            "forests, a fox sleeps.",
                            kJun2024));
    docs.push_back(make_doc("sort.py", "sort.py", "def quicksort(items):\n    return sorted(items)\n", kJun2024,
                            ingest::DocType::kCode, {}, "python"));
    lib_->add_documents("main", std::move(docs));
    std::vector<NewDocument> other;
    other.push_back(make_doc("other.txt", "Elsewhere", "A brown fox in another collection.", kJun2024));
    other.push_back(make_doc("mill.txt", "Mill", "Millstones grind wheat.", kJun2024));
    lib_->add_documents("other", std::move(other));
  }

  std::vector<std::string> paths(const std::string& query, const Filters& f = {}, int k = 10) {
    SearchOptions o;
    o.k = k;
    std::vector<std::string> out;
    for (const Hit& h : lib_->search(query, f, o)) out.push_back(h.path);
    return out;
  }

  static bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  }

  TempDir dir_;
  std::unique_ptr<Library> lib_;
};

TEST_F(SearchTest, OrQueryRanksBestMatchFirst) {
  auto p = paths("quick brown fox");
  ASSERT_GE(p.size(), 3u);
  EXPECT_EQ(p[0], "fox.txt");
  EXPECT_TRUE(has(p, "other.txt")) << "no --collection means every collection";
}

TEST_F(SearchTest, PhraseMatchesOnlyAdjacentWords) {
  auto p = paths("\"brown fox\"");
  EXPECT_TRUE(has(p, "fox.txt"));
  EXPECT_TRUE(has(p, "other.txt"));
  EXPECT_FALSE(has(p, "brownie.md")) << "brown and fox are not adjacent there";
}

TEST_F(SearchTest, NearRespectsDistance) {
  auto p = paths("river NEAR/3 fox");
  EXPECT_FALSE(has(p, "river.txt")) << "river and fox are far apart in river.txt";
  EXPECT_FALSE(has(p, "fox.txt")) << "fox ... river is 10 words apart";
  auto wide = paths("river NEAR/12 fox");
  EXPECT_TRUE(has(wide, "fox.txt"));
}

TEST_F(SearchTest, BooleanAndNotAndLoveHate) {
  auto p = paths("fox AND NOT brown");
  EXPECT_EQ(p, std::vector<std::string>{"river.txt"});
  auto q = paths("+valleys fox");
  ASSERT_FALSE(q.empty());
  for (const auto& s : q) EXPECT_EQ(s, "river.txt");
}

TEST_F(SearchTest, WildcardAndStemming) {
  EXPECT_TRUE(has(paths("quicks*"), "sort.py"));
  EXPECT_TRUE(has(paths("jumping"), "fox.txt")) << "english stemming: jumping ~ jumps";
}

TEST_F(SearchTest, CollectionTypeLanguageMetadataFilters) {
  Filters f;
  f.collections = {"other"};
  EXPECT_EQ(paths("fox", f), std::vector<std::string>{"other.txt"});
  Filters t;
  parse_filter("type:markdown", t);
  EXPECT_EQ(paths("fox brown", t), std::vector<std::string>{"brownie.md"});
  Filters l;
  parse_filter("lang:python", l);
  EXPECT_EQ(paths("items", l), std::vector<std::string>{"sort.py"});
  EXPECT_TRUE(paths("fox", l).empty());
  Filters m;
  parse_filter("author:aesop", m);  // case-insensitive
  EXPECT_EQ(paths("fox", m), std::vector<std::string>{"fox.txt"});
  Filters two;  // same key OR-ed
  parse_filter("author:Aesop", two);
  parse_filter("author:Julia", two);
  EXPECT_EQ(paths("fox", two).size(), 2u);
}

TEST_F(SearchTest, DocumentFilter) {
  auto docs = lib_->documents("main");
  int64_t river = 0;
  for (const auto& d : docs) {
    if (d.path == "river.txt") river = d.id;
  }
  ASSERT_GT(river, 0);
  Filters f;
  parse_filter("doc:" + std::to_string(river), f);
  EXPECT_EQ(paths("fox", f), std::vector<std::string>{"river.txt"});
}

TEST_F(SearchTest, DateRangesOnMtime) {
  Filters before;
  parse_filter("before:2024-01-01", before);
  EXPECT_EQ(paths("fox", before), std::vector<std::string>{"fox.txt"});
  Filters after;
  parse_filter("after:2024-01-01", after);
  auto p = paths("fox", after);
  EXPECT_FALSE(has(p, "fox.txt"));
  EXPECT_TRUE(has(p, "river.txt"));
  Filters window;
  parse_filter("after:2024-06-01", window);
  parse_filter("before:2024-06-02", window);
  EXPECT_TRUE(has(paths("fox", window), "river.txt"));
  Filters empty_window;
  parse_filter("after:2024-06-02", empty_window);
  EXPECT_TRUE(paths("fox", empty_window).empty());
}

TEST_F(SearchTest, BadFiltersAreInvalidArguments) {
  Filters f;
  for (const char* bad : {"nocolon", ":x", "after:", "after:2024-13-01", "after:yesterday", "doc:abc", "doc:-3"}) {
    try {
      parse_filter(bad, f);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << bad;
    }
  }
}

TEST_F(SearchTest, SnippetsHighlightTermsWithMarker) {
  SearchOptions o;
  o.k = 1;
  auto hits = lib_->search("\"lazy dog\"", {}, o);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_NE(hits[0].snippet.find("**lazy dog**"), std::string::npos) << hits[0].snippet;
  o.marker = "__";
  hits = lib_->search("flows", {}, o);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_NE(hits[0].snippet.find("__flows__"), std::string::npos) << hits[0].snippet;
  EXPECT_EQ(hits[0].collection, "main");
  EXPECT_EQ(hits[0].title, "Geography");
  EXPECT_GT(hits[0].end, hits[0].start);
  EXPECT_EQ(hits[0].text.substr(0, 9), "The river");
}

TEST_F(SearchTest, TitleWeighsMoreAndTitlePrefixWorks) {
  // "mill" is in river.txt's text; "Mill" is mill.txt's title (and "Millstones" in its text).
  auto p = paths("mill");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], "mill.txt") << "a title match outranks a text match";
  EXPECT_EQ(paths("title:mill"), std::vector<std::string>{"mill.txt"});
}

TEST_F(SearchTest, KLimitsHitsAndNoHitsIsEmpty) {
  EXPECT_EQ(paths("fox", {}, 2).size(), 2u);
  EXPECT_TRUE(paths("zebra").empty());
}

}  // namespace
}  // namespace hayloft::index
