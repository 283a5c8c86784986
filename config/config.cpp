#include "config/config.hpp"

#include <cstdlib>
#include <vector>

#include "util/error.hpp"

namespace hayloft::config {

extern const char* kDefaultsJson;  // generated from defaults.json by embed.cmake

using nlohmann::json;

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(IngestConfig, chunk_tokens, chunk_overlap_tokens,
                                                max_file_bytes, max_uncompressed_bytes, workers,
                                                include, exclude)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(IndexConfig, bm25_k1, bm25_b, bm25_k3, bm25_min_normlen,
                                                stem_language, snippet_chars, default_k, shard_timeout_ms,
                                                shard_connect_timeout_ms)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EngineConfig, default_model, threads, context, kv_type,
                                                prefill_batch, model_dirs, chat_system_prompt, prompt_cache_slots)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SamplingConfig, temperature, top_k, top_p, min_p,
                                                repeat_penalty, repeat_last_n, seed, max_tokens)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PriceConfig, model, input_usd_per_mtok, output_usd_per_mtok,
                                                source)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DegenerationConfig, window_tokens, ngram, ngram_repeats,
                                                long_window_tokens, long_ngram, long_ngram_repeats,
                                                max_period, min_loop_tokens, max_same_token,
                                                max_blank_tokens, min_distinct_tokens, junk_window_chars,
                                                junk_ratio)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PipelineConfig, default_mode, rag_top_k, rag_token_budget,
                                                rag_wide_top_k, rag_wide_token_budget,
                                                answer_reserve_tokens, lc_overflow, lc_tokens_per_document,
                                                lc_tokens_per_chunk, memory_budget_bytes, scratch_bytes,
                                                low_score_margin, min_top_score, whole_collection_cues,
                                                system_prompt, lc_template, rag_template,
                                                unanswerable_instruction, unanswerable_answer,
                                                citation_min_match_words, citation_max_matches,
                                                degeneration, prices)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Config, ingest, index, engine, sampling, pipeline)

namespace {

// Every key in `overlay` must exist in `known` (the serialised current config); objects recurse.
void check_known_keys(const json& overlay, const json& known, const std::string& path) {
  if (!overlay.is_object()) {
    throw Error(ErrorKind::kInvalidArgument, "expected a JSON object", path.empty() ? "config" : path);
  }
  for (const auto& [key, value] : overlay.items()) {
    std::string key_path = path.empty() ? key : path + "." + key;
    auto it = known.find(key);
    if (it == known.end()) {
      throw Error(ErrorKind::kInvalidArgument, "unknown configuration key '" + key_path + "'");
    }
    if (it->is_object()) check_known_keys(value, *it, key_path);
  }
}

// Recursive merge: objects merge key by key, everything else replaces.
void merge(json& base, const json& overlay) {
  for (const auto& [key, value] : overlay.items()) {
    if (value.is_object() && base.contains(key) && base[key].is_object()) {
      merge(base[key], value);
    } else {
      base[key] = value;
    }
  }
}

// The settings that take one of a few words: checked once here, so code that parses them at use time
// (pipeline::parse_mode, engine::parse_kv_type, the planner's overflow policy) never sees a bad one.
void check_choices(const Config& c) {
  struct Choice {
    const char* key;
    const std::string& value;
    std::vector<std::string> allowed;
  };
  const Choice choices[] = {{"engine.kv_type", c.engine.kv_type, {"f16", "f32"}},
                            {"pipeline.default_mode", c.pipeline.default_mode, {"lc", "rag", "auto"}},
                            {"pipeline.lc_overflow", c.pipeline.lc_overflow, {"refuse", "truncate"}}};
  for (const Choice& ch : choices) {
    bool ok = false;
    std::string list;
    for (const auto& a : ch.allowed) {
      ok = ok || a == ch.value;
      list += (list.empty() ? "" : ", ") + a;
    }
    if (!ok) {
      throw Error(ErrorKind::kInvalidArgument,
                  std::string("bad configuration value: ") + ch.key + " is '" + ch.value + "', expected one of " + list);
    }
  }
}

}  // namespace

const std::string& defaults_json_text() {
  static const std::string text(kDefaultsJson);
  return text;
}

void apply_overlay(Config& config, const json& overlay) {
  json current = to_json(config);
  check_known_keys(overlay, current, "");
  merge(current, overlay);
  try {
    config = current.get<Config>();
  } catch (const json::exception& e) {
    throw Error(ErrorKind::kInvalidArgument, std::string("bad configuration value: ") + e.what());
  }
  check_choices(config);
}

Config load(const std::vector<json>& overlays) {
  Config config;
  json defaults;
  try {
    defaults = json::parse(defaults_json_text());
  } catch (const json::exception& e) {
    throw Error(ErrorKind::kInternal, std::string("compiled-in defaults.json: ") + e.what());
  }
  apply_overlay(config, defaults);
  for (const auto& overlay : overlays) apply_overlay(config, overlay);
  return config;
}

json to_json(const Config& config) {
  json j = config;
  return j;
}

std::string resolve_home(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("HAYLOFT_HOME"); env && *env) return env;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/share/hayloft";
}

}  // namespace hayloft::config
