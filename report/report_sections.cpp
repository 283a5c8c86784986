// The report's section per run kind, built as blocks (report_internal.hpp). Stored JSON is read with
// defaults everywhere: runs written by older or newer hayloft versions still render.
#include <cmath>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "eval/niah.hpp"
#include "report/plot.hpp"
#include "report/report_internal.hpp"

namespace hayloft::report::page {

using nlohmann::json;

namespace {

const json kNull;

const json& at(const json& j, const char* key) {
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::string str(const json& j, const char* key) {
  const json& v = at(j, key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump();
}

// A number shown with `digits` decimals, "-" when missing.
std::string num(const json& j, const char* key, int digits) {
  const json& v = at(j, key);
  return v.is_number() ? fixed(v.get<double>(), digits) : "-";
}

std::string mib(const json& j, const char* key) {
  const json& v = at(j, key);
  return v.is_number() ? fixed(v.get<double>() / (1024.0 * 1024.0), 0) : "-";
}

// {"mean", "stderr"} (or a bare number) as "0.412 ± 0.031".
std::string mean_se(const json& v) {
  if (v.is_number()) return fixed(v.get<double>(), 3);
  const json& m = at(v, "mean");
  if (!m.is_number()) return "-";
  const json& se = at(v, "stderr");
  return fixed(m.get<double>(), 3) + (se.is_number() ? " ± " + fixed(se.get<double>(), 3) : "");
}

double mean_of(const json& v) {
  if (v.is_number()) return v.get<double>();
  const json& m = at(v, "mean");
  return m.is_number() ? m.get<double>() : NAN;
}

double stderr_of(const json& v) {
  const json& se = at(v, "stderr");
  return se.is_number() ? se.get<double>() : 0;
}

Blocks run_header(const index::RunRecord& run, const std::string& what) {
  Blocks b = {heading(2, "Run " + std::to_string(run.id) + ": " + what)};
  std::vector<std::pair<std::string, std::string>> f = {{"kind", run.kind}, {"created", utc_time(run.created)}};
  if (!run.collection.empty()) f.push_back({"collection", run.collection});
  if (at(run.params, "model").is_string()) f.push_back({"model", run.params["model"].get<std::string>()});
  b.push_back(fields(std::move(f)));
  return b;
}

std::string hosted_usd(const json& answer) {
  std::string out;
  const json& hosted = at(at(answer, "cost"), "hosted");
  if (!hosted.is_array()) return "-";
  for (const json& h : hosted) {
    out += (out.empty() ? "" : "; ") + str(h, "model") + " $" + num(h, "total_usd", 7);
  }
  return out.empty() ? "-" : out;
}

Block citations_table(const json& answer) {
  std::vector<std::vector<std::string>> rows;
  const json& list = at(at(answer, "citations"), "citations");
  if (list.is_array()) {
    for (const json& c : list) {
      rows.push_back({"C" + str(c, "marker"), str(c, "document"), str(c, "chunk_id"),
                      str(c, "source_start") + "-" + str(c, "source_end"), str(c, "found_by"), str(c, "quote")});
    }
  }
  return table({"marker", "document", "chunk", "bytes", "found by", "quote"}, std::move(rows));
}

// The parts of one answer (an ask run's result or one mode of a compare).
void answer_blocks(const json& a, Blocks& out) {
  out.push_back(fields({{"mode", str(a, "mode")}, {"route", str(a, "route")}, {"reason", str(a, "reason")}}));
  out.push_back(text("Answer:"));
  out.push_back(quote(at(a, "answer").is_string() ? a["answer"].get<std::string>() : "-"));
  const json& deg = at(a, "degeneration");
  if (at(deg, "degenerate").is_boolean() && deg["degenerate"].get<bool>()) out.push_back(text(str(deg, "notice")));
  const json& cites = at(at(a, "citations"), "citations");
  if (cites.is_array() && !cites.empty()) {
    out.push_back(text("Citations:"));
    out.push_back(citations_table(a));
  } else {
    out.push_back(text("No citations."));
  }
}

}  // namespace

Blocks ask_section(const index::RunRecord& run) {
  Blocks b = run_header(run, "ask");
  const json& r = run.result;
  b.push_back(text("Question: " + (run.question.empty() ? str(r, "question") : run.question)));
  answer_blocks(r, b);
  b.push_back(table({"prompt tokens", "generated", "ttft s", "total s", "peak RSS MiB", "KV MiB", "hosted cost"},
                    {{num(r, "prompt_tokens", 0), num(r, "generated_tokens", 0), num(r, "time_to_first_token_s", 2),
                      num(r, "total_s", 2), mib(r, "peak_rss_bytes"), mib(r, "kv_bytes"), hosted_usd(r)}}));
  return b;
}

Blocks compare_section(const index::RunRecord& run) {
  Blocks b = run_header(run, "compare");
  b.push_back(text("Question: " + run.question));
  const json& modes = at(run.result, "modes");
  if (!modes.is_array()) {
    b.push_back(text("This run holds no modes."));
    return b;
  }
  std::vector<std::vector<std::string>> rows;
  for (const json& m : modes) {
    if (at(m, "error").is_string()) {
      rows.push_back({str(m, "mode"), "refused: " + str(m, "error"), "-", "-", "-", "-", "-", "-"});
      continue;
    }
    const json& cites = at(at(m, "citations"), "citations");
    rows.push_back({str(m, "mode"), str(m, "route"), num(m, "prompt_tokens", 0), num(m, "generated_tokens", 0),
                    num(m, "total_s", 2), mib(m, "peak_rss_bytes"), hosted_usd(m),
                    std::to_string(cites.is_array() ? cites.size() : 0)});
  }
  b.push_back(table({"mode", "route", "prompt tokens", "generated", "seconds", "peak RSS MiB", "hosted cost", "citations"},
                    std::move(rows)));
  for (const json& m : modes) {
    if (at(m, "error").is_string()) continue;
    b.push_back(heading(3, "Mode " + str(m, "mode")));
    answer_blocks(m, b);
  }
  return b;
}

Blocks niah_section(const index::RunRecord& run, PlotSink& sink) {
  Blocks b = run_header(run, "needle in a haystack");
  NiahResult r = niah_from_json(run.result);
  b.push_back(fields({{"haystack", r.haystack.empty() ? "-" : r.haystack},
                      {"needles", r.needles.empty() ? "-" : r.needles},
                      {"cells", std::to_string(r.cells.size())}}));
  for (Mode mode : r.modes) {
    const std::string name = mode_name(mode);
    Heatmap map = niah_heatmap(r, mode, "NIAH, " + name + ", " + r.model);
    const std::string file = "run-" + std::to_string(run.id) + "-niah-" + name + ".svg";
    write_heatmap(map, (std::filesystem::path(sink.dir) / file).string());
    sink.written.push_back((std::filesystem::path(sink.dir) / file).string());
    b.push_back(heading(3, "Route " + name));
    b.push_back(image(file, "NIAH heat map, " + name));
    // The same grid as text: hit rate per depth (rows) and length (columns).
    std::vector<std::string> header = {"depth"};
    for (int l : map.lengths) header.push_back(length_label(l));
    std::vector<std::vector<std::string>> rows;
    for (size_t d = 0; d < map.depths.size(); ++d) {
      std::vector<std::string> row = {fixed(map.depths[d], 0) + "%"};
      for (double v : map.values[d]) row.push_back(std::isnan(v) ? "-" : fixed(100 * v, 0) + "%");
      rows.push_back(std::move(row));
    }
    b.push_back(table(std::move(header), std::move(rows)));
  }
  b.push_back(heading(3, "Cost per question"));
  std::vector<std::string> header = {"mode",          "cells",     "hits",      "hit rate",
                                     "needle in context", "prompt tokens", "generated", "s/question"};
  if (!r.summaries.empty()) {
    for (const HostedCost& h : r.summaries[0].hosted) header.push_back(h.model + " $/question");
  }
  std::vector<std::vector<std::string>> rows;
  for (const NiahSummary& s : r.summaries) {
    std::vector<std::string> row = {mode_name(s.mode), std::to_string(s.cells), std::to_string(s.hits),
                                    fixed(s.hit_rate, 3), std::to_string(s.needle_in_context),
                                    fixed(s.mean_prompt_tokens, 0),
                                    fixed(s.mean_generated_tokens, 1), fixed(s.mean_seconds, 2)};
    for (const HostedCost& h : s.hosted) row.push_back(fixed(h.total_usd, 7));
    row.resize(header.size(), "-");
    rows.push_back(std::move(row));
  }
  b.push_back(table(std::move(header), std::move(rows)));
  std::vector<std::vector<std::string>> misses;
  for (const NiahCell& c : r.cells) {
    if (c.hit || misses.size() >= 10) continue;
    misses.push_back({mode_name(c.mode), length_label(c.length), fixed(c.depth, 0) + "%", std::to_string(c.needle),
                      c.answer});
  }
  if (!misses.empty()) {
    b.push_back(text("Missed (first " + std::to_string(misses.size()) + "):"));
    b.push_back(table({"mode", "length", "depth", "needle", "answer"}, std::move(misses)));
  }
  return b;
}

Blocks eval_section(const index::RunRecord& run, PlotSink& sink, size_t wrong_sample) {
  const json& r = run.result;
  Blocks b = run_header(run, "evaluation " + str(r, "set"));
  std::vector<std::pair<std::string, std::string>> f = {{"set", str(r, "set")}, {"model", str(r, "model")}};
  if (at(r, "collections").is_array()) {
    std::string cols;
    for (const json& c : r["collections"]) cols += (cols.empty() ? "" : ", ") + (c.is_string() ? c.get<std::string>() : c.dump());
    f.push_back({"collections", cols});
  }
  if (at(r, "interrupted").is_boolean() && r["interrupted"].get<bool>()) f.push_back({"interrupted", "yes: partial results"});
  b.push_back(fields(std::move(f)));

  std::vector<std::vector<std::string>> rows;
  BarChart chart;
  chart.title = "accuracy per mode (± s.e.)";
  chart.y_label = "accuracy (containment)";
  const json& summaries = at(r, "summaries");
  for (const json& s : summaries.is_array() ? summaries : json::array()) {
    rows.push_back({str(s, "mode"), num(s, "questions", 0), mean_se(at(s, "accuracy")), mean_se(at(s, "exact_match")),
                    mean_se(at(s, "f1")), num(s, "mean_prompt_tokens", 0), num(s, "mean_generated_tokens", 1),
                    num(s, "mean_seconds", 2), mib(s, "peak_rss_bytes"),
                    num(s, "routed_lc", 0) + "/" + num(s, "routed_rag", 0), num(s, "fallbacks", 0),
                    num(s, "degenerate", 0)});
    double acc = mean_of(at(s, "accuracy"));
    if (!std::isnan(acc) && acc >= 0 && acc <= 1) {
      chart.labels.push_back(str(s, "mode"));
      chart.values.push_back(acc);
      chart.errors.push_back(stderr_of(at(s, "accuracy")));
    }
  }
  b.push_back(table({"mode", "questions", "accuracy", "EM", "F1", "prompt tokens", "generated", "s/question",
                     "peak RSS MiB", "lc/rag routes", "fallbacks", "degenerate"},
                    std::move(rows)));
  const json& goal = at(r, "goal");
  if (at(goal, "verdict").is_string()) b.push_back(text("Auto goal: " + goal["verdict"].get<std::string>()));
  if (!chart.labels.empty()) {
    const std::string file = "run-" + std::to_string(run.id) + "-accuracy.svg";
    write_bar_chart(chart, (std::filesystem::path(sink.dir) / file).string());
    sink.written.push_back((std::filesystem::path(sink.dir) / file).string());
    b.push_back(image(file, "accuracy per mode with standard errors"));
  }

  std::vector<std::vector<std::string>> wrong;
  const json& questions = at(r, "questions");
  size_t total_wrong = 0;
  for (const json& q : questions.is_array() ? questions : json::array()) {
    if (!at(q, "correct").is_boolean() || q["correct"].get<bool>()) continue;
    ++total_wrong;
    if (wrong.size() >= wrong_sample) continue;
    std::string gold;
    if (at(q, "gold").is_array()) {
      for (const json& g : q["gold"]) gold += (gold.empty() ? "" : " | ") + (g.is_string() ? g.get<std::string>() : g.dump());
    }
    wrong.push_back({str(q, "id"), str(q, "mode"), str(q, "route"), str(q, "question"), gold, str(q, "answer")});
  }
  if (!wrong.empty()) {
    b.push_back(text("Wrong answers (" + std::to_string(wrong.size()) + " of " + std::to_string(total_wrong) + "):"));
    b.push_back(table({"id", "mode", "route", "question", "gold", "answer"}, std::move(wrong)));
  }
  return b;
}

Blocks generic_section(const index::RunRecord& run) {
  Blocks b = run_header(run, run.kind);
  if (!run.question.empty()) b.push_back(text("Question: " + run.question));
  if (!run.route.empty()) b.push_back(fields({{"route", run.route}, {"reason", run.reason}}));
  b.push_back(text("Parameters and metrics:"));
  b.push_back(code(json({{"params", run.params}, {"metrics", run.metrics}})
                       .dump(2, ' ', false, json::error_handler_t::replace)));
  return b;
}

}  // namespace hayloft::report::page
