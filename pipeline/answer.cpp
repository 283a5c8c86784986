#include "pipeline/answer.hpp"

namespace hayloft::pipeline {

using nlohmann::json;

TokenCallback guarded_callback(DegenerationGuard& guard, TokenCallback downstream) {
  return [&guard, downstream = std::move(downstream)](int32_t id, std::string_view text) {
    if (guard.feed(id, text).degenerate()) return false;
    return downstream ? downstream(id, text) : true;
  };
}

std::string degeneration_notice(const DegenerationVerdict& v) {
  if (!v.degenerate()) return {};
  std::string what = v.kind == DegenerationKind::kJunk         ? "turned to junk"
                     : v.kind == DegenerationKind::kNoProgress ? "stopped making progress"
                                                               : "started to repeat itself";
  return "The answer " + what + " (" + v.reason + ") and was stopped after " + std::to_string(v.at_token + 1) +
         " tokens.";
}

json to_json(const Plan& p) {
  json decisions = json::array();
  for (const auto& d : p.decisions) decisions.push_back({{"step", d.step}, {"decision", d.decision}, {"why", d.why}});
  return {
      {"mode", mode_name(p.mode)},
      {"route", route_name(p.route)},
      {"reason", p.reason},
      {"token_budget", p.token_budget},
      {"top_k", p.top_k},
      {"ask_unanswerable", p.ask_unanswerable},
      {"truncate", p.truncate},
      {"fallback", p.fallback},
      {"lc_fits", p.lc_fits},
      {"lc_tokens", p.lc_tokens},
      {"window_tokens", p.window_tokens},
      {"context_room", p.context_room},
      {"memory_estimate", {{"tokens", p.memory.tokens},
                           {"weights_bytes", p.memory.weights_bytes},
                           {"kv_bytes", p.memory.kv_bytes},
                           {"scratch_bytes", p.memory.scratch_bytes},
                           {"total_bytes", p.memory.total_bytes}}},
      {"decisions", decisions},
  };
}

json to_json(const CitationResult& r) {
  json list = json::array();
  for (const auto& c : r.citations) {
    list.push_back({{"marker", c.marker},
                    {"chunk_id", c.chunk_id},
                    {"document_id", c.document_id},
                    {"document", c.document_path},
                    {"page", c.page},
                    {"source_start", c.source_start},
                    {"source_end", c.source_end},
                    {"quote", c.quote},
                    {"quote_source_start", c.quote_source_start},
                    {"quote_source_end", c.quote_source_end},
                    {"found_by", citation_source_name(c.source)}});
  }
  return {{"citations", list},
          {"markers_found", r.markers_found},
          {"dropped", r.dropped},
          {"dropped_reasons", r.dropped_reasons}};
}

json to_json(const GenerateMetrics& m) {
  return {{"prompt_tokens", m.prompt_tokens},
          {"reused_prefix_tokens", m.reused_prefix_tokens},
          {"generated_tokens", m.generated_tokens},
          {"time_to_first_token_s", m.time_to_first_token_s},
          {"prefill_s", m.prefill_s},
          {"decode_s", m.decode_s},
          {"total_s", m.total_s},
          {"peak_rss_bytes", m.peak_rss_bytes},
          {"kv_bytes", m.kv_bytes},
          {"kv_allocated_bytes", m.kv_allocated_bytes},
          {"stop", stop_reason_name(m.stop)}};
}

json to_json(const DegenerationVerdict& v) {
  json j = {{"degenerate", v.degenerate()}, {"kind", degeneration_kind_name(v.kind)}};
  if (v.degenerate()) {
    j["reason"] = v.reason;
    j["at_token"] = v.at_token;
    j["notice"] = degeneration_notice(v);
  }
  return j;
}

json to_json(const RouteCost& c) {
  json hosted = json::array();
  for (const auto& h : c.hosted) {
    hosted.push_back({{"model", h.model}, {"input_usd", h.input_usd}, {"output_usd", h.output_usd},
                      {"total_usd", h.total_usd}});
  }
  json j = {{"hosted", hosted}};
  j["collection_prefill_s"] = c.collection_prefill_s >= 0 ? json(c.collection_prefill_s) : json(nullptr);
  return j;
}

json to_json(const Answer& a) {
  json attempts = json::array();
  for (const auto& t : a.attempts) {
    attempts.push_back({{"plan", to_json(t.plan)},
                        {"text", t.text},
                        {"metrics", to_json(t.metrics)},
                        {"context_chunks", t.context_chunks},
                        {"context_note", t.context_note}});
  }
  json j = {{"question", a.question},
            {"answer", a.text},
            {"mode", mode_name(a.mode)},
            {"route", route_name(a.route)},
            {"reason", a.attempts.empty() ? std::string() : a.attempts.back().plan.reason},
            {"citations", to_json(a.citations)},
            {"degeneration", to_json(a.degeneration)},
            {"cost", to_json(a.cost)},
            {"attempts", attempts}};
  j["metrics"] = a.attempts.empty() ? json(nullptr) : to_json(a.attempts.back().metrics);
  return j;
}

}  // namespace hayloft::pipeline
