// Sharded keyword index on loopback: search latency over 1, 2 and 4 remote shards (xapian-tcpsrv
// processes started here) against one local database, and ingest throughput into each layout.
//   shard_bench [--data DIR] [--passes N]
// Input: BEIR SciFact (DIR/scifact: 5,183 abstracts, 300 test queries), ingested through
// eval::ingest_beir (as `hayloft eval-retrieval` does; batches of 1,000 documents, one commit per shard
// per batch). Each layout then answers every query --passes times after one untimed warm-up pass,
// top 10 through Library::search (SQLite rows and snippets included), from a read-only Library in this
// process. p50/p99 are over every timed query. Each remote layout's top 10 is compared to the local one
// (`same_top10`: queries whose ranked paths agree). Loopback only: no network latency, so the remote
// figures are protocol + serialisation + fan-out cost, a lower bound for real machines.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xapian.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "eval/eval.hpp"
#include "index/index.hpp"
#include "util/util.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace hayloft;
using nlohmann::json;

fs::path fresh_temp(const std::string& stem) {
  fs::path p = fs::temp_directory_path() / (stem + "-" + std::to_string(std::random_device{}()));
  fs::create_directories(p);
  return p;
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("no free port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

// xapian-tcpsrv over `dir`, in its own process group (it forks per connection); killed on destruction.
class Server {
 public:
  explicit Server(const std::string& dir) : port_(free_port()) {
    index::create_local_shard(dir);
    std::vector<std::string> args = index::serve_shard_argv(dir, "127.0.0.1", port_, true);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    int rc = posix_spawnp(&pid_, "xapian-tcpsrv", &fa, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) throw std::runtime_error("cannot start xapian-tcpsrv (apt install xapian-tools)");
    for (int i = 0;; ++i) {
      try {
        Xapian::Remote::open("127.0.0.1", static_cast<unsigned>(port_), 2000, 500).get_doccount();
        return;
      } catch (const Xapian::NetworkError&) {
        if (i > 500) throw std::runtime_error("xapian-tcpsrv did not come up");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }
  ~Server() {
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  std::string location() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int port_;
  pid_t pid_ = -1;
};

struct Layout {
  std::string name;
  int remote_shards = 0;  // 0: one local database
};

using Rankings = std::vector<std::vector<std::string>>;

json measure(const Layout& layout, const eval::BeirDataset& data, const config::Config& config, int passes,
             const Rankings* reference, Rankings* out_rankings) {
  fs::path root = fresh_temp("hl-shard-bench");
  std::vector<std::unique_ptr<Server>> servers;
  json r = {{"layout", layout.name}, {"remote_shards", layout.remote_shards}};
  {
    index::Library lib(root / "home", config);
    if (layout.remote_shards > 0) {
      for (int i = 0; i < layout.remote_shards; ++i) {
        servers.push_back(std::make_unique<Server>((root / ("srv" + std::to_string(i))).string()));
        lib.add_shard(servers.back()->location());
      }
      lib.remove_shard(1);
    }
    eval::BeirIngest in = eval::ingest_beir(lib, data.corpus, "scifact", 1000, false);
    r["ingest_seconds"] = in.seconds;
    r["ingest_docs_per_s"] = static_cast<double>(in.documents) / in.seconds;
    r["ingest_mb_per_s"] = static_cast<double>(in.bytes) / 1e6 / in.seconds;
  }
  index::Library reader(root / "home", config, index::Library::Mode::kRead);
  index::Filters filters;
  filters.collections = {"scifact"};
  index::SearchOptions options;
  options.k = 10;
  std::vector<double> ms;
  Rankings rankings;
  for (int pass = 0; pass <= passes; ++pass) {
    for (const eval::BeirQuery& q : data.queries) {
      Timer t;
      std::vector<index::Hit> hits = reader.search(q.text, filters, options);
      double elapsed = t.seconds() * 1e3;
      if (pass == 0) {
        std::vector<std::string> paths;
        for (const auto& h : hits) paths.push_back(h.path);
        rankings.push_back(std::move(paths));
      } else {
        ms.push_back(elapsed);
      }
    }
  }
  r["queries_timed"] = ms.size();
  r["query_p50_ms"] = eval::percentile(ms, 50);
  r["query_p99_ms"] = eval::percentile(ms, 99);
  if (reference) {
    int same = 0;
    for (size_t i = 0; i < rankings.size(); ++i) same += rankings[i] == (*reference)[i];
    r["same_top10"] = same;
  }
  if (out_rankings) *out_rankings = std::move(rankings);
  servers.clear();
  std::error_code ec;
  fs::remove_all(root, ec);
  return r;
}

int run(int argc, char** argv) {
  std::string data_dir = "../shared/data";
  int passes = 3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--data" && i + 1 < argc) {
      data_dir = argv[++i];
    } else if (a == "--passes" && i + 1 < argc) {
      passes = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: shard_bench [--data DIR] [--passes N]\n");
      return 2;
    }
  }
  init_logging(false);
  config::Config config = config::load();
  eval::BeirDataset data = eval::load_beir(data_dir + "/scifact", "test");
  std::vector<Layout> layouts = {{"local", 0}, {"remote-1", 1}, {"remote-2", 2}, {"remote-4", 4}};
  json results = json::array();
  Rankings local;
  for (const Layout& l : layouts) {
    results.push_back(measure(l, data, config, passes, l.remote_shards ? &local : nullptr,
                              l.remote_shards ? nullptr : &local));
  }
  json doc = {{"bench", "shard_bench"},
              {"dataset", "scifact"},
              {"documents", data.corpus.size()},
              {"queries", data.queries.size()},
              {"passes", passes},
              {"k", 10},
              {"cpus", std::thread::hardware_concurrency()},
              {"results", results}};
  std::printf("%s\n", doc.dump(2).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shard_bench: %s\n", e.what());
    return 1;
  }
}
