// The pure parts of NIAH: summaries, the grid behind a heat map, the JSON document and the cost table.
// The runner (building haystacks, the scratch Library, answering) is in niah_run.cpp.
#include "eval/niah.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "util/error.hpp"

namespace hayloft::eval {

using nlohmann::json;

namespace {

std::string fixed(double v, int digits) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// A required field of the stored document; kCorrupt names it when missing or of another type.
const json& field(const json& j, const char* name, json::value_t type, const std::string& where) {
  auto it = j.find(name);
  bool ok = it != j.end() &&
            (it->type() == type || (type == json::value_t::number_float && it->is_number()) ||
             (type == json::value_t::number_integer && it->is_number_integer()));
  if (!ok) throw Error(ErrorKind::kCorrupt, std::string("niah result: missing or mistyped \"") + name + "\"", where);
  return *it;
}

std::string opt_string(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double opt_number(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

}  // namespace

std::vector<NiahSummary> summarize_niah(const std::vector<NiahCell>& cells, const std::vector<Mode>& modes,
                                        const std::vector<config::PriceConfig>& prices) {
  std::vector<NiahSummary> out;
  for (Mode mode : modes) {
    NiahSummary s;
    s.mode = mode;
    double prompt = 0, generated = 0, seconds = 0;
    for (const NiahCell& c : cells) {
      if (c.mode != mode) continue;
      ++s.cells;
      s.hits += c.hit ? 1 : 0;
      s.needle_in_context += c.needle_in_context ? 1 : 0;
      prompt += c.prompt_tokens;
      generated += c.generated_tokens;
      seconds += c.seconds;
    }
    if (s.cells > 0) {
      double n = s.cells;
      s.hit_rate = s.hits / n;
      s.mean_prompt_tokens = prompt / n;
      s.mean_generated_tokens = generated / n;
      s.mean_seconds = seconds / n;
    }
    // Prices are linear in tokens, so the price of the mean is the mean price per question.
    s.hosted = hosted_costs(std::llround(s.mean_prompt_tokens), std::llround(s.mean_generated_tokens), prices);
    out.push_back(std::move(s));
  }
  return out;
}

std::string length_label(int tokens) {
  if (tokens >= 1024 && tokens % 1024 == 0) return std::to_string(tokens / 1024) + "k";
  if (tokens >= 1000 && tokens % 1000 == 0) return std::to_string(tokens / 1000) + "k";
  return std::to_string(tokens);
}

json to_json(const NiahResult& r) {
  json modes = json::array(), cells = json::array(), summaries = json::array();
  for (Mode m : r.modes) modes.push_back(mode_name(m));
  for (const NiahCell& c : r.cells) {
    cells.push_back({{"mode", mode_name(c.mode)},
                     {"length", c.length},
                     {"depth", c.depth},
                     {"needle", c.needle},
                     {"hit", c.hit},
                     {"answer", c.answer},
                     {"prompt_tokens", c.prompt_tokens},
                     {"generated_tokens", c.generated_tokens},
                     {"seconds", c.seconds},
                     {"actual_depth", c.actual_depth},
                     {"needle_in_context", c.needle_in_context},
                     {"degenerate", c.degenerate}});
  }
  for (const NiahSummary& s : r.summaries) {
    json hosted = json::array();
    for (const HostedCost& h : s.hosted) hosted.push_back({{"model", h.model}, {"usd_per_question", h.total_usd}});
    summaries.push_back({{"mode", mode_name(s.mode)},
                         {"hits", s.hits},
                         {"cells", s.cells},
                         {"hit_rate", s.hit_rate},
                         {"mean_prompt_tokens", s.mean_prompt_tokens},
                         {"mean_generated_tokens", s.mean_generated_tokens},
                         {"mean_seconds", s.mean_seconds},
                         {"needle_in_context", s.needle_in_context},
                         {"hosted", hosted}});
  }
  return {{"model", r.model},     {"haystack", r.haystack}, {"needles", r.needles},
          {"lengths", r.lengths}, {"depths", r.depths},     {"modes", modes},
          {"cells", cells},       {"summaries", summaries}, {"dropped_lengths", r.dropped_lengths},
          {"interrupted", r.interrupted}};
}

namespace {

// Summaries as stored (their hosted prices were the config of that run); recomputed without prices
// when the document has none.
std::vector<NiahSummary> read_summaries(const json& doc, const NiahResult& r) {
  auto stored = doc.find("summaries");
  if (stored == doc.end() || !stored->is_array()) return summarize_niah(r.cells, r.modes, {});
  std::vector<NiahSummary> out;
  for (const json& j : *stored) {
    if (!j.is_object() || !j.contains("mode") || !j["mode"].is_string()) continue;
    NiahSummary s;
    s.mode = parse_mode(j["mode"].get<std::string>());
    s.hits = static_cast<int>(opt_number(j, "hits"));
    s.cells = static_cast<int>(opt_number(j, "cells"));
    s.hit_rate = opt_number(j, "hit_rate");
    s.mean_prompt_tokens = opt_number(j, "mean_prompt_tokens");
    s.mean_generated_tokens = opt_number(j, "mean_generated_tokens");
    s.mean_seconds = opt_number(j, "mean_seconds");
    s.needle_in_context = static_cast<int>(opt_number(j, "needle_in_context"));
    if (auto h = j.find("hosted"); h != j.end() && h->is_array()) {
      for (const json& x : *h) {
        if (x.is_object()) s.hosted.push_back({opt_string(x, "model"), 0, 0, opt_number(x, "usd_per_question")});
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

NiahResult niah_from_json(const json& doc) {
  const std::string where = "niah run";
  if (!doc.is_object()) throw Error(ErrorKind::kCorrupt, "niah result is not a JSON object", where);
  NiahResult r;
  r.model = opt_string(doc, "model");
  r.haystack = opt_string(doc, "haystack");
  r.needles = opt_string(doc, "needles");
  r.interrupted = doc.value("interrupted", false);
  try {
    if (auto d = doc.find("dropped_lengths"); d != doc.end() && d->is_array()) {
      for (const json& l : *d) r.dropped_lengths.push_back(l.get<int>());
    }
    for (const json& l : field(doc, "lengths", json::value_t::array, where)) r.lengths.push_back(l.get<int>());
    for (const json& d : field(doc, "depths", json::value_t::array, where)) r.depths.push_back(d.get<double>());
    for (const json& m : field(doc, "modes", json::value_t::array, where)) r.modes.push_back(parse_mode(m.get<std::string>()));
    for (const json& c : field(doc, "cells", json::value_t::array, where)) {
      NiahCell cell;
      cell.mode = parse_mode(field(c, "mode", json::value_t::string, where + " cell").get<std::string>());
      cell.length = field(c, "length", json::value_t::number_integer, where + " cell").get<int>();
      cell.depth = field(c, "depth", json::value_t::number_float, where + " cell").get<double>();
      cell.hit = field(c, "hit", json::value_t::boolean, where + " cell").get<bool>();
      cell.needle = static_cast<int>(opt_number(c, "needle"));
      cell.answer = opt_string(c, "answer");
      cell.prompt_tokens = static_cast<int>(opt_number(c, "prompt_tokens"));
      cell.generated_tokens = static_cast<int>(opt_number(c, "generated_tokens"));
      cell.seconds = opt_number(c, "seconds");
      cell.actual_depth = opt_number(c, "actual_depth");
      cell.needle_in_context = c.value("needle_in_context", false);
      cell.degenerate = c.value("degenerate", false);
      r.cells.push_back(std::move(cell));
    }
    r.summaries = read_summaries(doc, r);
  } catch (const json::exception& e) {
    throw Error(ErrorKind::kCorrupt, std::string("niah result: a value of the wrong type: ") + e.what(), where);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kCorrupt) throw;
    throw Error(ErrorKind::kCorrupt, std::string("niah result: ") + e.what(), where);
  }
  return r;
}

std::string niah_cost_markdown(const std::vector<NiahSummary>& summaries) {
  std::string head = "| mode | cells | hits | hit rate | needle in context | prompt tokens | generated | s/question |";
  std::string rule = "|---|---:|---:|---:|---:|---:|---:|---:|";
  if (!summaries.empty()) {
    for (const HostedCost& h : summaries[0].hosted) {
      head += " " + h.model + " $/question |";
      rule += "---:|";
    }
  }
  std::string md = head + "\n" + rule + "\n";
  for (const NiahSummary& s : summaries) {
    md += "| " + std::string(mode_name(s.mode)) + " | " + std::to_string(s.cells) + " | " + std::to_string(s.hits) +
          " | " + fixed(s.hit_rate, 3) + " | " + std::to_string(s.needle_in_context) + " | " +
          fixed(s.mean_prompt_tokens, 0) + " | " + fixed(s.mean_generated_tokens, 1) + " | " + fixed(s.mean_seconds, 2) +
          " |";
    for (const HostedCost& h : s.hosted) {
      md += ' ';  // appended piecewise: GCC 12 warns falsely (-Wrestrict) on " " + string&& here
      md += fixed(h.total_usd, 7);
      md += " |";
    }
    md += "\n";
  }
  return md;
}

int niah_lc_tokens_needed(int length, int instruction_tokens, int question_tokens, const config::Config& config) {
  // The lc collection is chunked without overlap (niah_run.cpp), so its chunks hold the haystack once;
  // the approximate chunker may cut a few more chunks than length / target, hence the +1 and the 10 %.
  const int target = std::max(1, config.ingest.chunk_tokens);
  const int chunks = static_cast<int>(std::ceil(1.1 * length / target)) + 1;
  return length + chunks * config.pipeline.lc_tokens_per_chunk + config.pipeline.lc_tokens_per_document +
         instruction_tokens + question_tokens + config.pipeline.answer_reserve_tokens;
}

}  // namespace hayloft::eval
