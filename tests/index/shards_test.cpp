// Keyword-index shards: routing and docid arithmetic, then real shards. Local shards (three folders) check
// routing, replacement and per-shard repair; remote shards are real xapian-tcpsrv processes on loopback
// ports, started and killed by the test: three of them rank exactly like one local database, a shard
// killed mid-query or frozen gives Error{kIo} naming it (no crash, no hang), restarting it recovers, and
// a reader reconnects after the server dropped its idle connection.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xapian.h>

#include <chrono>
#include <fcntl.h>
#include <future>
#include <set>
#include <thread>

#include "index/index.hpp"
#include "index/shards.hpp"
#include "tests/index/temp_home.hpp"
#include "util/error.hpp"
#include "util/util.hpp"

extern char** environ;

namespace hayloft::index {
namespace {

using testing::TempDir;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------------
// Arithmetic

TEST(ShardMath, Fnv1aMatchesPublishedVectors) {
  EXPECT_EQ(shards::fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(shards::fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(shards::fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(ShardMath, RouteIsStableAndSpreads) {
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 300; ++i) {
    size_t r = shards::route("c", "/docs/" + std::to_string(i) + ".txt", 3);
    ASSERT_LT(r, 3u);
    EXPECT_EQ(r, shards::route("c", "/docs/" + std::to_string(i) + ".txt", 3));
    ++counts[r];
  }
  for (int c : counts) EXPECT_GT(c, 60) << "300 paths over 3 shards should not pile up";
  EXPECT_EQ(shards::route("c", "x", 1), 0u);
}

TEST(ShardMath, MergedDocidsRoundTripAndKeepChunkOrder) {
  for (size_t n : {1u, 2u, 3u, 4u}) {
    uint64_t prev = 0;
    for (uint64_t chunk = 1; chunk < 50; ++chunk) {
      size_t shard = chunk % n;
      uint64_t m = shards::merged_docid(chunk, shard, n);
      EXPECT_GT(m, prev) << "merged docids must sort like chunk ids (tie order)";
      prev = m;
      shards::ShardDocid back = shards::split_docid(m, n);
      EXPECT_EQ(back.shard, shard);
      EXPECT_EQ(back.docid, chunk);
    }
  }
  EXPECT_TRUE(shards::fits_merged(0xffffffffll, 1));
  EXPECT_TRUE(shards::fits_merged(1073741823ll, 4));   // (2^30 - 2) * 4 + 4 = 2^32 - 4: the last that fits
  EXPECT_FALSE(shards::fits_merged(1073741824ll, 4));
}

TEST(ShardMath, ParsesRemoteLocations) {
  auto r = shards::parse_remote("127.0.0.1:33451");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "127.0.0.1");
  EXPECT_EQ(r->port, 33451);
  EXPECT_TRUE(shards::parse_remote("shard-2.local:1"));
  EXPECT_FALSE(shards::parse_remote("/srv/shard:1"));  // a folder
  EXPECT_FALSE(shards::parse_remote("host:0"));
  EXPECT_FALSE(shards::parse_remote("host:70000"));
  EXPECT_FALSE(shards::parse_remote("host:"));
  EXPECT_FALSE(shards::parse_remote("xapian"));
}

// ---------------------------------------------------------------------------------------------------
// A corpus with varied term statistics, so BM25 would differ if a shard scored with local statistics.

std::vector<NewDocument> corpus(int n) {
  const char* words[] = {"river", "mill",  "stone", "wheat", "flour", "bread", "oven", "fox",   "hill",
                         "valley", "water", "wind", "sail",  "boat",  "net",   "fish", "salt",  "rope"};
  std::vector<NewDocument> docs;
  uint64_t x = 12345;
  for (int i = 0; i < n; ++i) {
    std::string text;
    int len = 8 + i % 23;
    for (int w = 0; w < len; ++w) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      text += words[(x >> 33) % (i % 2 ? 18 : 9)];
      text += ' ';
    }
    NewDocument nd;
    nd.doc.path = "/corpus/doc" + std::to_string(i) + ".txt";
    nd.doc.title = "Doc " + std::to_string(i);
    nd.doc.text = text;
    nd.doc.type = ingest::DocType::kText;
    nd.doc.mtime = 1700000000 + i;
    nd.doc.source_bytes = static_cast<int64_t>(text.size());
    nd.doc.content_hash = "h" + std::to_string(std::hash<std::string>()(text));
    ingest::ChunkOptions opts;
    opts.target_tokens = 64;
    opts.overlap_tokens = 0;
    nd.chunks = ingest::chunk_document(nd.doc, ingest::approximate_token_counter(), opts);
    docs.push_back(std::move(nd));
  }
  return docs;
}

const std::vector<std::string> kQueries = {"river mill", "fox", "bread oven flour", "\"salt rope\"",
                                           "boat OR fish", "water -wind", "title:doc", "mill NEAR stone"};

struct Ranked {
  std::string path;
  double score;
};
std::vector<Ranked> ranking(Library& lib, const std::string& q) {
  SearchOptions o;
  o.k = 20;
  std::vector<Ranked> out;
  for (const Hit& h : lib.search(q, {}, o)) out.push_back({h.path, h.score});
  return out;
}

void expect_same_rankings(Library& a, Library& b) {
  for (const std::string& q : kQueries) {
    std::vector<Ranked> ra = ranking(a, q), rb = ranking(b, q);
    ASSERT_EQ(ra.size(), rb.size()) << q;
    EXPECT_FALSE(ra.empty()) << q;
    for (size_t i = 0; i < ra.size(); ++i) {
      EXPECT_EQ(ra[i].path, rb[i].path) << q << " rank " << i;
      EXPECT_NEAR(ra[i].score, rb[i].score, 1e-9) << q << " rank " << i;
    }
  }
  // Wildcards match the same chunks but do not score alike: Xapian 1.4 expands OP_WILDCARD per
  // sub-database, so the synonym's statistics are per shard (README, "Sharded keyword index").
  SearchOptions all;
  all.k = 1000;
  std::set<std::string> wa, wb;
  for (const Hit& h : a.search("sa*", {}, all)) wa.insert(h.path);
  for (const Hit& h : b.search("sa*", {}, all)) wb.insert(h.path);
  EXPECT_FALSE(wa.empty());
  EXPECT_EQ(wa, wb);
}

config::Config shard_config() {
  config::Config c = testing::test_config();
  c.index.shard_timeout_ms = 3000;
  c.index.shard_connect_timeout_ms = 1000;
  return c;
}

// ---------------------------------------------------------------------------------------------------
// Local shards

TEST(LocalShards, NewStoreHasTheHomeFolderAsShardOne) {
  TempDir home;
  Library lib(home.path(), shard_config());
  std::vector<ShardInfo> s = lib.shards();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].id, 1);
  EXPECT_EQ(s[0].location, "xapian");
  EXPECT_THROW(lib.remove_shard(1), Error);  // the last one
}

TEST(LocalShards, RouteRankReplaceAndRepair) {
  TempDir one, many;
  config::Config cfg = shard_config();
  Library single(one.path(), cfg);
  single.add_documents("c", corpus(90));
  {
    Library lib(many.path(), cfg);
    ShardInfo added = lib.add_shard(many / "s2");
    EXPECT_GT(added.created, 0) << "add_shard returns the stored row, with its creation time";
    lib.add_shard(many / "s3");
    EXPECT_THROW(lib.add_shard(many / "s2"), Error) << "already in the map";
    lib.add_documents("c", corpus(90));
    std::vector<ShardInfo> s = lib.shards();
    ASSERT_EQ(s.size(), 3u);
    for (const ShardInfo& i : s) EXPECT_GT(i.documents, 15) << "shard " << i.id << " got too few documents";
    EXPECT_EQ(s[0].documents + s[1].documents + s[2].documents, 90);
    EXPECT_THROW(lib.remove_shard(s[1].id), Error) << "holds documents";
    expect_same_rankings(single, lib);

    // A new version stays on its document's shard.
    auto before = lib.store().find_document(lib.store().ensure_collection("c"), "/corpus/doc7.txt");
    ASSERT_TRUE(before);
    std::vector<NewDocument> v2 = corpus(8);
    v2.erase(v2.begin(), v2.begin() + 7);
    v2[0].doc.text = "an entirely new text about lighthouses";
    v2[0].doc.content_hash = "v2";
    v2[0].chunks = ingest::chunk_document(v2[0].doc, ingest::approximate_token_counter(), {});
    EXPECT_EQ(lib.add_documents("c", std::move(v2)).replaced, 1);
    auto after = lib.store().find_document(lib.store().ensure_collection("c"), "/corpus/doc7.txt");
    ASSERT_TRUE(after);
    EXPECT_NE(after->id, before->id);
    EXPECT_EQ(after->shard_id, before->shard_id);
    EXPECT_EQ(lib.search("lighthouses", {}, {}).size(), 1u);
  }
  std::string stub = read_file(many / "shards.stub", 1 << 20);
  EXPECT_NE(stub.find("auto " + many / "s3"), std::string::npos) << stub;

  // Lose one shard's folder: the writer's repair re-indexes exactly its documents from SQLite.
  std::filesystem::remove_all(many / "s2");
  Library again(many.path(), cfg);
  EXPECT_EQ(again.keyword_index().chunk_total(), again.store().chunk_count());
  EXPECT_EQ(again.search("lighthouses", {}, {}).size(), 1u);
  Library reader(many.path(), cfg, Library::Mode::kRead);
  EXPECT_EQ(ranking(reader, "river mill").size(), 20u);
}

// ---------------------------------------------------------------------------------------------------
// Remote shards: real xapian-tcpsrv processes

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("no free port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

// One xapian-tcpsrv in its own process group: it forks a child per connection, so signals go to the group.
class TcpShard {
 public:
  TcpShard(std::string dir, int idle_timeout_ms = 0) : dir_(std::move(dir)), port_(free_port()), idle_(idle_timeout_ms) {
    create_local_shard(dir_);
    start();
  }
  ~TcpShard() { kill_all(); }
  TcpShard(const TcpShard&) = delete;
  TcpShard& operator=(const TcpShard&) = delete;

  std::string location() const { return "127.0.0.1:" + std::to_string(port_); }

  void start() {
    std::vector<std::string> args = serve_shard_argv(dir_, "127.0.0.1", port_, true, idle_);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    int rc = posix_spawnp(&pid_, "xapian-tcpsrv", &fa, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) throw std::runtime_error("cannot start xapian-tcpsrv (apt install xapian-tools)");
    // Ready when a client gets through the handshake (bounded: a broken server fails the test).
    auto deadline = Clock::now() + std::chrono::seconds(20);
    for (;;) {
      try {
        Xapian::Remote::open("127.0.0.1", static_cast<unsigned>(port_), 2000, 500).get_doccount();
        return;
      } catch (const Xapian::NetworkError&) {
        if (Clock::now() > deadline) throw std::runtime_error("xapian-tcpsrv did not come up on " + location());
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }
  void signal(int sig) {
    if (pid_ > 0) ::kill(-pid_, sig);
  }
  void kill_all() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  std::string dir_;
  int port_;
  int idle_;
  pid_t pid_ = -1;
};

class RemoteShards : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) servers_.push_back(std::make_unique<TcpShard>(dir_ / ("srv" + std::to_string(i)), idle_ms()));
    Library lib(home_.path(), shard_config());
    for (auto& s : servers_) lib.add_shard(s->location());
    lib.remove_shard(1);  // all chunks remote
    lib.add_documents("c", corpus(90));
    for (const ShardInfo& i : lib.shards()) ASSERT_GT(i.documents, 15) << i.location;
  }
  virtual int idle_ms() const { return 0; }

  TempDir dir_, home_;
  std::vector<std::unique_ptr<TcpShard>> servers_;
};

TEST_F(RemoteShards, RankLikeOneLocalDatabase) {
  TempDir one;
  Library single(one.path(), shard_config());
  single.add_documents("c", corpus(90));
  Library reader(home_.path(), shard_config(), Library::Mode::kRead);
  expect_same_rankings(single, reader);
  EXPECT_EQ(reader.keyword_index().chunk_total(), single.keyword_index().chunk_total());
  // Snippets come back too (computed locally from the merged query).
  std::vector<Hit> hits = reader.search("mill", {}, {});
  ASSERT_FALSE(hits.empty());
  EXPECT_NE(hits[0].snippet.find("**mill**"), std::string::npos) << hits[0].snippet;
}

TEST_F(RemoteShards, ShardKilledMidQueryIsAClearErrorAndRestartRecovers) {
  Library reader(home_.path(), shard_config(), Library::Mode::kRead);
  std::vector<Ranked> want = ranking(reader, "river mill");
  ASSERT_FALSE(want.empty());
  // Freeze the shard so the next query is certainly in flight on it, then kill it.
  servers_[1]->signal(SIGSTOP);
  auto pending = std::async(std::launch::async, [&] { return ranking(reader, "river mill"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  servers_[1]->kill_all();
  ASSERT_EQ(pending.wait_for(std::chrono::seconds(30)), std::future_status::ready) << "search hung";
  try {
    pending.get();
    FAIL() << "a search with a dead shard returned results";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_NE(std::string(e.what()).find(servers_[1]->location()), std::string::npos) << e.what();
  }
  // Still down: fails fast, names the shard.
  try {
    ranking(reader, "fox");
    FAIL() << "searched with a shard down";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(servers_[1]->location()), std::string::npos) << e.what();
  }
  servers_[1]->start();
  std::vector<Ranked> got = ranking(reader, "river mill");
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].path, want[i].path);
}

TEST_F(RemoteShards, FrozenShardTimesOutInsteadOfHanging) {
  config::Config cfg = shard_config();
  cfg.index.shard_timeout_ms = 500;
  Library reader(home_.path(), cfg, Library::Mode::kRead);
  ASSERT_FALSE(ranking(reader, "fox").empty());
  servers_[2]->signal(SIGSTOP);
  auto t0 = Clock::now();
  EXPECT_THROW(ranking(reader, "fox"), Error);
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_LT(s, 10.0) << "timeout 500 ms, reconnect and probe: a few seconds at most";
  servers_[2]->signal(SIGCONT);
  EXPECT_FALSE(ranking(reader, "fox").empty());
}

TEST_F(RemoteShards, WriterNeedsEveryShard) {
  servers_[0]->kill_all();
  try {
    Library writer(home_.path(), shard_config());
    FAIL() << "opened a writer with a shard down";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_NE(std::string(e.what()).find("unreachable"), std::string::npos) << e.what();
  }
  // Commands that do not search still work with a shard down.
  Library reader(home_.path(), shard_config(), Library::Mode::kRead);
  EXPECT_EQ(reader.collections().size(), 1u);
}

class IdleRemoteShards : public RemoteShards {
 protected:
  int idle_ms() const override { return 200; }
};

TEST_F(IdleRemoteShards, ReaderReconnectsAfterIdleDrop) {
  Library reader(home_.path(), shard_config(), Library::Mode::kRead);
  std::vector<Ranked> first = ranking(reader, "bread oven flour");
  ASSERT_FALSE(first.empty());
  // Longer than the servers' idle timeout: they have closed our connections.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  std::vector<Ranked> second = ranking(reader, "bread oven flour");
  ASSERT_EQ(second.size(), first.size());
  for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(second[i].path, first[i].path);
}

}  // namespace
}  // namespace hayloft::index
