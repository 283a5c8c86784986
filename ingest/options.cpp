// Options from config::IngestConfig, so that callers need not copy fields one by one.
#include "config/config.hpp"
#include "ingest/ingest.hpp"

namespace hayloft::ingest {

ReadOptions read_options(const config::IngestConfig& config) {
  ReadOptions options;
  options.max_file_bytes = config.max_file_bytes;
  options.max_uncompressed_bytes = config.max_uncompressed_bytes;
  return options;
}

ChunkOptions chunk_options(const config::IngestConfig& config) {
  return ChunkOptions{config.chunk_tokens, config.chunk_overlap_tokens};
}

WalkOptions walk_options(const config::IngestConfig& config) { return WalkOptions{config.include, config.exclude}; }

}  // namespace hayloft::ingest
