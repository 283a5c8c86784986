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
  int shard_timeout_ms = 0;          // remote shards: per-operation timeout (a dead or frozen shard fails
                                     // a search after this long instead of hanging it)
  int shard_connect_timeout_ms = 0;  // remote shards: TCP connect timeout
};

struct EngineConfig {
  std::string default_model;          // name (see `hayloft model list`) or path
  int threads = 0;                    // decode/prefill threads
  int context = 0;                    // KV-cache length; 0 = the model's trained window
  std::string kv_type;                // KV-cache element type: "f16" or "f32"
  int prefill_batch = 0;              // tokens per prefill step
  std::vector<std::string> model_dirs;  // extra directories searched for *.gguf
  std::string chat_system_prompt;     // system message for chat prompts; "" = the template's default
  int prompt_cache_slots = 0;         // KV caches kept per generator, each reusable by a later prompt
                                      // that starts like the one it holds (auto's lc + rag: 2)
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

// Hosted-model price, US dollars per million tokens, for the cost projections of `compare` and `niah`.
// Defaults: Llama 4 Scout $0.11 in / $0.34 out (the figures of issue 12: Groq's list price, as listed at
// https://newmen.ai/models/meta-llama/llama-4-scout); Llama 4 Maverick $0.20 in / $0.60 out, published
// at https://inference-docs.cerebras.ai/models/llama-4-maverick (both looked up 2026-11).
struct PriceConfig {
  std::string model;               // display name, e.g. "llama-4-scout"
  double input_usd_per_mtok = 0;   // prompt tokens
  double output_usd_per_mtok = 0;  // generated tokens
  std::string source;              // where the price was published (URL)
};

// Limits of the degeneration guard (pipeline/degeneration.hpp); counts are generated tokens.
struct DegenerationConfig {
  int window_tokens = 0;        // recent tokens every check looks back over
  int ngram = 0;                // n of the repeated n-gram check
  int ngram_repeats = 0;        // the same n-gram this often in the window = looping
  int long_window_tokens = 0;   // window of the long n-gram check (sentence-sized loops)
  int long_ngram = 0;           // n of the long check
  int long_ngram_repeats = 0;   // the same long n-gram this often in the long window = looping
  int max_period = 0;           // longest loop period (tokens) the period check looks for
  int min_loop_tokens = 0;      // a periodic run must cover this many tokens before it counts
  int max_same_token = 0;       // one token id repeated back to back more than this = looping
  int max_blank_tokens = 0;     // tokens in a row that add only whitespace = no progress
  int min_distinct_tokens = 0;  // fewer distinct ids than this (at most 64) in a full window = no progress
  int junk_window_chars = 0;    // recent characters the junk ratio is computed over
  double junk_ratio = 0;        // share of junk characters (U+FFFD, control, odd symbols) = junk
};

struct PipelineConfig {
  std::string default_mode;          // "lc", "rag" or "auto"
  int rag_top_k = 0;                 // passages retrieved for the first RAG pass
  int rag_token_budget = 0;          // context tokens the RAG passages may fill
  int rag_wide_top_k = 0;            // passages for auto's wider RAG fallback
  int rag_wide_token_budget = 0;     // context tokens for auto's wider RAG fallback
  int answer_reserve_tokens = 0;     // window tokens kept free for the answer
  std::string lc_overflow;           // "refuse" or "truncate" when the collection does not fit
  int lc_tokens_per_document = 0;    // planner's allowance for a document header in the LC prompt
  int lc_tokens_per_chunk = 0;       // planner's allowance for a chunk marker in the LC prompt
                                     // (SmolLM2 splits digits: "[C12] " + blank line = 6 tokens)
  int64_t memory_budget_bytes = 0;   // cap on weights + KV + scratch; 0 = no cap
  int64_t scratch_bytes = 0;         // activations and buffers beside weights and KV
  double low_score_margin = 0;       // auto: (top - mean of the rest) / top below this = low scores
  double min_top_score = 0;          // auto: a top retrieval score below this = low; 0 = off
  std::vector<std::string> whole_collection_cues;  // phrases marking counting/listing/comparing questions
  std::string system_prompt;         // system message of every answer
  std::string lc_template;           // user message, LC route; {context} {question} {unanswerable}
  std::string rag_template;          // user message, RAG route; same placeholders
  std::string unanswerable_instruction;  // put in {unanswerable} when the route asks for it
  std::string unanswerable_answer;   // the word the model is told to answer, e.g. "unanswerable"
  int citation_min_match_words = 0;  // words in a row an answer must share with a chunk to cite it
  int citation_max_matches = 0;      // most chunks cited by matching when the answer has no markers
  DegenerationConfig degeneration;
  std::vector<PriceConfig> prices;
};

struct Config {
  IngestConfig ingest;
  IndexConfig index;
  EngineConfig engine;
  SamplingConfig sampling;
  PipelineConfig pipeline;
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
