// Crash test for the commit protocol (library.cpp): a forked child ingests a few thousand generated files
// and is SIGKILLed at random moments, over and over, while some files change between rounds. After every
// kill the store and index must agree before repair (Xapian never holds a document SQLite does not know;
// an indexed document has all its chunks in Xapian unless a pending new version supersedes it; any other
// document has all or none) and, after the repair a writer's open runs, every document is fully present
// in both and findable by its unique word.
// A final uninterrupted run must complete and match the files on disk.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "index/index.hpp"
#include "tests/index/temp_home.hpp"
#include "util/util.hpp"

namespace hayloft::index {
namespace {

using testing::TempDir;

constexpr int kFiles = 1500;
constexpr int kMinKills = 24;
constexpr int kMaxRounds = 60;

const char* const kWords[] = {"harvest", "barn", "tractor", "meadow", "silo", "furrow", "orchard", "plough",
                              "pasture", "cattle", "fence", "granary", "acre", "thresh", "seed", "sickle"};

// ~2.5 KB of prose with one unique word "uqf<i>v<version>" at the start, so each file makes a few chunks.
std::string file_text(int i, int version, std::mt19937& rng) {
  std::string text = "uqf" + std::to_string(i) + "v" + std::to_string(version) + " opens this file.\n\n";
  for (int p = 0; p < 6; ++p) {
    for (int w = 0; w < 60; ++w) {
      text += kWords[rng() % std::size(kWords)];
      text += (w % 12 == 11) ? ". " : " ";
    }
    text += "\n\n";
  }
  return text;
}

// Twenty folders of files; built with += because `"d" + std::to_string(..)` trips GCC 12's -Wrestrict.
std::string file_path(const TempDir& dir, int i) {
  std::string rel = "d";
  rel += std::to_string(i % 20);
  rel += "/f";
  rel += std::to_string(i);
  rel += ".txt";
  return dir / rel;
}

IngestOptions quiet_options(const config::Config& cfg) {
  IngestOptions o = ingest_options(cfg.ingest);
  o.progress = false;
  o.batch_documents = 32;
  return o;
}

// Opens a writer, retrying while the killed child's Xapian lock is being released.
std::unique_ptr<Library> open_writer(const std::string& home, const config::Config& cfg) {
  for (int attempt = 0;; ++attempt) {
    try {
      return std::make_unique<Library>(home, cfg, Library::Mode::kWrite);
    } catch (const Error& e) {
      if (attempt >= 50 || std::string(e.what()).find("locked") == std::string::npos) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

std::set<int64_t> chunk_id_set(const std::vector<ChunkRow>& rows) {
  std::set<int64_t> out;
  for (const auto& r : rows) out.insert(r.id);
  return out;
}

// The invariant that must hold at any instant, crash or not (checked read-only, before repair).
void check_consistent_before_repair(const std::string& home, const config::Config& cfg, int round) {
  Library lib(home, cfg, Library::Mode::kRead);
  Store& store = lib.store();
  KeywordIndex& kw = lib.keyword_index();
  for (int64_t id : kw.document_ids()) {
    ASSERT_TRUE(store.document_exists(id)) << "round " << round << ": Xapian holds unknown document " << id;
  }
  std::vector<DocumentRow> docs = store.documents(std::nullopt);
  // An old version whose replacement is pending loses its chunks in the same Xapian commit that adds the
  // new version's (before SQLite drops its row), so it too may be all or none.
  std::set<int64_t> superseded;
  for (const DocumentRow& d : docs) {
    if (d.replaces) superseded.insert(d.replaces);
  }
  for (const DocumentRow& d : docs) {
    std::vector<int64_t> got = kw.chunk_ids(d.id);
    std::set<int64_t> in_index(got.begin(), got.end());
    std::set<int64_t> in_store = chunk_id_set(store.chunks_of(d.id));
    ASSERT_EQ(static_cast<int64_t>(in_store.size()), d.chunk_count);
    if (d.state == IndexState::kIndexed && !superseded.count(d.id)) {
      ASSERT_EQ(in_index, in_store) << "round " << round << ": indexed document " << d.id << " incomplete";
    } else {
      ASSERT_TRUE(in_index.empty() || in_index == in_store)
          << "round " << round << ": " << index_state_name(d.state) << " document " << d.id << " half in Xapian";
    }
  }
}

// After repair: every document indexed, complete in both, one per path, and findable by its unique word.
void check_after_repair(Library& lib, std::mt19937& rng, int round) {
  Store& store = lib.store();
  KeywordIndex& kw = lib.keyword_index();
  std::vector<DocumentRow> docs = store.documents(std::nullopt);
  std::set<std::string> paths;
  for (const DocumentRow& d : docs) {
    ASSERT_EQ(d.state, IndexState::kIndexed) << "round " << round << " doc " << d.id;
    ASSERT_TRUE(paths.insert(d.path).second) << "round " << round << ": two rows for " << d.path;
    std::vector<int64_t> got = kw.chunk_ids(d.id);
    ASSERT_EQ(std::set<int64_t>(got.begin(), got.end()), chunk_id_set(store.chunks_of(d.id)))
        << "round " << round << " doc " << d.id;
  }
  ASSERT_EQ(kw.chunk_total(), store.chunk_count()) << "round " << round;
  if (docs.empty()) return;
  SearchOptions o;
  o.k = 3;
  for (int s = 0; s < 20; ++s) {
    const DocumentRow& d = docs[rng() % docs.size()];
    std::vector<ChunkRow> chunks = store.chunks_of(d.id);
    ASSERT_FALSE(chunks.empty());
    std::string word = chunks[0].text.substr(0, chunks[0].text.find(' '));
    std::vector<Hit> hits = lib.search(word, {}, o);
    ASSERT_FALSE(hits.empty()) << "round " << round << ": '" << word << "' not found";
    EXPECT_EQ(hits[0].document_id, d.id) << word;
  }
}

TEST(CrashTest, SigkillDuringIngestNeverLeavesStoreAndIndexDisagreeing) {
  TempDir files, home;
  config::Config cfg = testing::test_config();
  std::mt19937 rng(20261123);
  std::vector<int> version(kFiles, 0);
  for (int i = 0; i < kFiles; ++i) testing::write_file(file_path(files, i), file_text(i, 0, rng));

  int kills = 0;
  int round = 0;
  int expected_ms = 400;
  std::vector<size_t> stored;  // how long a child's ingest runs, updated whenever one finishes
  for (; round < kMaxRounds && kills < kMinKills; ++round) {
    if (round > 0) {  // change ~2% of the files so later rounds replace documents too
      for (int c = 0; c < kFiles / 50; ++c) {
        int i = static_cast<int>(rng() % kFiles);
        testing::write_file(file_path(files, i), file_text(i, ++version[i], rng));
      }
    }
    std::fflush(nullptr);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int code = 0;
      try {
        std::unique_ptr<Library> lib = open_writer(home.path(), cfg);
        ThreadPool pool(2);
        lib->ingest("crash", {files.path()}, quiet_options(cfg), pool);
      } catch (...) {
        code = 3;
      }
      _exit(code);
    }
    // Kill at a random point of the child's expected run time, learnt from children that finished.
    int delay_ms = 2 + static_cast<int>(rng() % static_cast<unsigned>(std::max(3, expected_ms * 9 / 10)));
    auto start = std::chrono::steady_clock::now();
    int status = 0;
    bool exited = false;
    while (!exited && std::chrono::steady_clock::now() - start < std::chrono::milliseconds(delay_ms)) {
      exited = waitpid(pid, &status, WNOHANG) == pid;
      if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (exited) {
      expected_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - start).count());
    } else {
      kill(pid, SIGKILL);
      ASSERT_EQ(waitpid(pid, &status, 0), pid);
      if (WIFSIGNALED(status)) ++kills;
    }
    if (WIFEXITED(status)) {
      ASSERT_EQ(WEXITSTATUS(status), 0) << "child ingest failed in round " << round;
    }

    check_consistent_before_repair(home.path(), cfg, round);
    std::unique_ptr<Library> lib = open_writer(home.path(), cfg);
    check_after_repair(*lib, rng, round);
    stored.push_back(lib->store().documents(std::nullopt).size());
  }
  ::testing::Test::RecordProperty("kills", kills);
  ::testing::Test::RecordProperty("rounds", round);
  std::string trace;
  for (size_t n : stored) trace += std::to_string(n) + " ";
  std::fprintf(stderr, "crash test: %d kills in %d rounds; documents stored after each: %s\n", kills, round,
               trace.c_str());
  EXPECT_GE(kills, 20) << "too few kills landed mid-ingest in " << round << " rounds";

  // A final uninterrupted run completes and the store matches the files on disk.
  std::unique_ptr<Library> lib = open_writer(home.path(), cfg);
  ThreadPool pool(2);
  IngestSummary s = lib->ingest("crash", {files.path()}, quiet_options(cfg), pool);
  EXPECT_EQ(s.failed, 0);
  EXPECT_EQ(lib->documents("crash").size(), static_cast<size_t>(kFiles));
  check_after_repair(*lib, rng, round);
  SearchOptions o;
  o.k = 2;
  for (int i = 0; i < kFiles; i += 37) {
    std::string word = "uqf" + std::to_string(i) + "v" + std::to_string(version[i]);
    std::vector<Hit> hits = lib->search(word, {}, o);
    ASSERT_EQ(hits.size(), 1u) << word;
    EXPECT_EQ(hits[0].path, normalize_path(file_path(files, i)));
  }
  IngestSummary again = lib->ingest("crash", {files.path()}, quiet_options(cfg), pool);
  EXPECT_EQ(again.unchanged, kFiles);
}

}  // namespace
}  // namespace hayloft::index
