#pragma once
// Private to index/: the arithmetic and parsing behind keyword-index shards (shards.cpp explains the
// layout). Tests include it to check routing and docid mapping directly.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/index.hpp"

namespace hayloft::index::shards {

// 64-bit FNV-1a: a stable hash (same value on every machine and run, unlike std::hash).
uint64_t fnv1a64(std::string_view bytes);

// The routing slot of a new document among n shards: fnv1a64(collection "\n" path) % n.
size_t route(const std::string& collection, const std::string& path, size_t n);

// A merged Xapian database of n shards numbers shard i's docid d as (d - 1) * n + i + 1.
struct ShardDocid {
  size_t shard = 0;   // position in the shard list
  uint64_t docid = 0; // docid inside that shard (= chunk id)
};
ShardDocid split_docid(uint64_t merged, size_t n);
uint64_t merged_docid(uint64_t shard_docid, size_t shard, size_t n);
// Whether chunk id `chunk_id` on any of n shards still has a merged docid below 2^32.
bool fits_merged(int64_t chunk_id, size_t n);

struct Remote {
  std::string host;
  int port = 0;
};
// "HOST:PORT" (port 1-65535, host without '/') is remote; anything else is a folder.
std::optional<Remote> parse_remote(const std::string& location);

// A stored location made usable: remote as is, a relative folder inside `home`, an absolute one as is.
std::string resolve(const std::string& home, const ShardInfo& shard);

// Xapian stub file text for the shards (auto FOLDER / remote HOST:PORT, one line each, in order).
std::string stub_text(const std::string& home, const std::vector<ShardInfo>& shards);

}  // namespace hayloft::index::shards
