// Keyword-index shards. A collection's Xapian index may be split over N shards, each a local folder or a
// remote database served by xapian-tcpsrv. SQLite stays the truth: the shard map is the table `shards`
// and every document row records the shard holding its chunks (documents.shard_id).
//
// LAYOUT
//   - Each shard is an ordinary Xapian (glass) database whose docids are chunk ids, as with one database.
//   - Readers open all shards as ONE Xapian::Database (add_database in shard-map order), so Xapian merges
//     the shards' statistics (document count, lengths, term frequencies) and results itself: BM25 scores
//     are those of a single database holding every chunk. The merged database interleaves docids:
//     shard i's docid d becomes (d - 1) * N + i + 1. Chunk ids are unique across shards, so merged docids
//     sort like chunk ids and ties rank in the same order as in one database.
//   - The cost of interleaving: merged docids are 32-bit too, so the largest chunk id times N must stay
//     below 2^32 (put_chunk checks; with 4 shards, chunk ids up to ~1.07e9).
//
// ROUTING: a new document goes to shard fnv1a64(collection "\n" path) % N (stable across runs and
// machines); a new version of a known document goes where the old one is, so a replacement stays one
// atomic commit on one shard. Adding a shard moves nothing; removing one is refused while it holds
// documents. One writer per shard (Xapian's lock, taken by the tcpsrv child for a remote shard); the
// commit protocol in library.cpp commits every touched shard before step 3, and repair rolls a crash
// between two shard commits forward.
#include "index/shards.hpp"

#include <xapian.h>

#include <charconv>
#include <filesystem>

#include "util/error.hpp"

namespace hayloft::index {

const char* shard_kind_name(ShardKind kind) { return kind == ShardKind::kRemote ? "remote" : "local"; }

namespace shards {

uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV offset basis
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;  // FNV prime
  }
  return h;
}

size_t route(const std::string& collection, const std::string& path, size_t n) {
  if (n <= 1) return 0;
  std::string key = collection;
  key += '\n';
  key += path;
  return static_cast<size_t>(fnv1a64(key) % n);
}

ShardDocid split_docid(uint64_t merged, size_t n) {
  if (n <= 1) return {0, merged};
  return {static_cast<size_t>((merged - 1) % n), (merged - 1) / n + 1};
}

uint64_t merged_docid(uint64_t shard_docid, size_t shard, size_t n) { return (shard_docid - 1) * n + shard + 1; }

bool fits_merged(int64_t chunk_id, size_t n) {
  return chunk_id > 0 && merged_docid(static_cast<uint64_t>(chunk_id), n - 1, n) <= 0xffffffffull;
}

std::optional<Remote> parse_remote(const std::string& location) {
  size_t colon = location.rfind(':');
  if (colon == std::string::npos || colon == 0 || location.find('/') != std::string::npos) return std::nullopt;
  int port = 0;
  const char* b = location.data() + colon + 1;
  const char* e = location.data() + location.size();
  auto r = std::from_chars(b, e, port);
  if (r.ec != std::errc() || r.ptr != e || b == e || port < 1 || port > 65535) return std::nullopt;
  return Remote{location.substr(0, colon), port};
}

std::string resolve(const std::string& home, const ShardInfo& shard) {
  if (shard.kind == ShardKind::kRemote) return shard.location;
  std::filesystem::path p(shard.location);
  return p.is_absolute() ? p.string() : (std::filesystem::path(home) / p).string();
}

std::string stub_text(const std::string& home, const std::vector<ShardInfo>& list) {
  std::string text = "# hayloft keyword-index shards, in merge order (written by hayloft shards add/rm)\n";
  for (const ShardInfo& s : list) {
    text += s.kind == ShardKind::kRemote ? "remote " : "auto ";
    text += resolve(home, s);
    text += '\n';
  }
  return text;
}

}  // namespace shards

void create_local_shard(const std::string& dir) {
  try {
    std::filesystem::create_directories(dir);
    Xapian::WritableDatabase db(dir, Xapian::DB_CREATE_OR_OPEN);
    db.commit();
  } catch (const Xapian::DatabaseLockError&) {
    return;  // a writer holds it, so it exists
  } catch (const Xapian::Error& e) {
    throw Error(ErrorKind::kIo, "cannot create shard database: " + e.get_description(), dir);
  } catch (const std::filesystem::filesystem_error& e) {
    throw Error(ErrorKind::kIo, std::string("cannot create shard folder: ") + e.what(), dir);
  }
}

std::vector<std::string> serve_shard_argv(const std::string& dir, const std::string& host, int port,
                                          bool writable, int idle_timeout_ms) {
  std::vector<std::string> argv = {"xapian-tcpsrv", "--interface", host, "--port", std::to_string(port)};
  if (idle_timeout_ms > 0) {
    argv.push_back("--idle-timeout");
    argv.push_back(std::to_string(idle_timeout_ms));
  }
  if (writable) argv.push_back("--writable");
  argv.push_back(dir);
  return argv;
}

}  // namespace hayloft::index
