#pragma once
// config: every tunable default lives in config/defaults.json (compiled into the binary) and is read into
// these plain structs. Layers, later wins: defaults.json, $HAYLOFT_HOME/config.json, --config FILE, then
// command-line flags. Missing keys keep the layer below; unknown keys are errors (a typo must not be
// silently ignored). Each field is documented once, here.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hayloft::config {

struct IngestConfig {
  int chunk_tokens = 0;              // target tokens per chunk
  int chunk_overlap_tokens = 0;      // tokens repeated from the end of the previous chunk
  int64_t max_file_bytes = 0;        // larger files are rejected with a per-file error
  int64_t max_uncompressed_bytes = 0;  // DOCX: total inflated size allowed (zip-bomb guard)
  int workers = 0;                   // reader/chunker threads (one more thread commits)
  std::vector<std::string> include;  // globs; empty = every file
  std::vector<std::string> exclude;  // globs matched against the path relative to the ingest root
};

struct IndexConfig {
  double bm25_k1 = 0;         // Xapian BM25Weight k1 (term-frequency saturation)
  double bm25_b = 0;          // Xapian BM25Weight b (length normalisation)
  double bm25_k3 = 0;         // query term frequency saturation
  double bm25_min_normlen = 0;  // floor on normalised document length
  std::string stem_language;  // Xapian stemmer name, e.g. "english"
  int snippet_chars = 0;      // length of search-result snippets
  int default_k = 0;          // hits returned when -k is not given
};

struct EngineConfig {
  std::string default_model;          // name (see `hayloft model list`) or path
  int threads = 0;                    // decode/prefill threads
  int context = 0;                    // KV-cache length; 0 = the model's trained window
  std::string kv_type;                // KV-cache element type: "f16" or "f32"
  int prefill_batch = 0;              // tokens per prefill step
  std::vector<std::string> model_dirs;  // extra directories searched for *.gguf
};

struct SamplingConfig {
  double temperature = 0;     // 0 = greedy
  int top_k = 0;              // 0 = off
  double top_p = 0;           // 1 = off
  double min_p = 0;           // 0 = off
  double repeat_penalty = 0;  // 1 = off
  int repeat_last_n = 0;      // window the penalty looks back over
  uint64_t seed = 0;
  int max_tokens = 0;         // default -n for generate
};

struct Config {
  IngestConfig ingest;
  IndexConfig index;
  EngineConfig engine;
  SamplingConfig sampling;
};

// The compiled-in defaults.json, verbatim.
const std::string& defaults_json_text();

// Parses defaults.json, then applies each overlay in order. Throws Error{kInvalidArgument} naming the key
// path for an unknown key or a value of the wrong type.
Config load(const std::vector<nlohmann::json>& overlays = {});

// Applies one JSON overlay onto an existing config (same rules as load).
void apply_overlay(Config& config, const nlohmann::json& overlay);

nlohmann::json to_json(const Config& config);

// Where hayloft keeps its data: --home if given, else $HAYLOFT_HOME, else ~/.local/share/hayloft.
std::string resolve_home(const std::string& flag_value);

}  // namespace hayloft::config
