#include "pipeline/planner.hpp"

#include <algorithm>
#include <cstdio>

#include "pipeline/prompt.hpp"
#include "util/error.hpp"

namespace hayloft::pipeline {

namespace {

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         static_cast<unsigned char>(c) >= 0x80;
}

std::string mib(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// Lowercased words (runs of letters, digits and non-ASCII bytes); with `keep_star`, "*" is a word too.
std::vector<std::string> words_of(std::string_view text, bool keep_star = false) {
  std::vector<std::string> out;
  std::string w;
  for (char ch : text) {
    if (is_word_char(ch)) {
      w.push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch);
      continue;
    }
    if (!w.empty()) out.push_back(std::move(w));
    w.clear();
    if (keep_star && ch == '*') out.emplace_back("*");
  }
  if (!w.empty()) out.push_back(std::move(w));
  return out;
}

// Does cue[j..] match question words from q[i]? "*" stands for up to kMaxWildcardWords words.
constexpr size_t kMaxWildcardWords = 3;
bool match_words(const std::vector<std::string>& q, size_t i, const std::vector<std::string>& cue, size_t j) {
  if (j == cue.size()) return true;
  if (cue[j] == "*") {
    for (size_t skip = 0; skip <= kMaxWildcardWords && i + skip <= q.size(); ++skip) {
      if (match_words(q, i + skip, cue, j + 1)) return true;
    }
    return false;
  }
  return i < q.size() && q[i] == cue[j] && match_words(q, i + 1, cue, j + 1);
}

// What every route shares: the usable window and how much of it the context may fill.
struct Room {
  int window = 0;        // model window capped by memory
  int context = 0;       // window - question - instructions - answer reserve
  int64_t lc_tokens = 0;
  bool lc_fits = false;
};

Room measure_room(const PlanInput& in, const config::PipelineConfig& cfg, std::vector<PlanDecision>& log) {
  Room room;
  room.window = in.model.context_window;
  log.push_back({"window", std::to_string(room.window) + " tokens", "the model's context window"});
  if (cfg.memory_budget_bytes > 0) {
    int64_t fixed = in.model.weights_bytes + cfg.scratch_bytes;
    if (fixed >= cfg.memory_budget_bytes) {
      throw Error(ErrorKind::kResourceExhausted, "the model needs " + mib(fixed) +
                                                     " for weights and scratch, over the memory budget of " +
                                                     mib(cfg.memory_budget_bytes), in.model.name);
    }
    int64_t by_memory = in.model.kv_bytes_per_token > 0
                            ? (cfg.memory_budget_bytes - fixed) / in.model.kv_bytes_per_token
                            : room.window;
    if (by_memory < room.window) {
      room.window = static_cast<int>(by_memory);
      log.push_back({"memory", "window capped at " + std::to_string(room.window) + " tokens",
                     "budget " + mib(cfg.memory_budget_bytes) + " - weights and scratch " + mib(fixed) +
                         " leaves KV for " + std::to_string(by_memory) + " tokens"});
    }
  }
  int fixed_tokens = in.question_tokens + in.instruction_tokens + cfg.answer_reserve_tokens;
  room.context = room.window - fixed_tokens;
  if (room.context <= 0) {
    throw Error(ErrorKind::kResourceExhausted,
                "the question (" + std::to_string(in.question_tokens) + " tokens) with the instructions (" +
                    std::to_string(in.instruction_tokens) + ") and the answer reserve (" +
                    std::to_string(cfg.answer_reserve_tokens) + ") does not fit the " +
                    std::to_string(room.window) + "-token window");
  }
  room.lc_tokens = in.collection.total_tokens + in.collection.documents * cfg.lc_tokens_per_document +
                   in.collection.chunks * cfg.lc_tokens_per_chunk;
  room.lc_fits = room.lc_tokens <= room.context;
  log.push_back({"lc-fit", room.lc_fits ? "fits" : "does not fit",
                 "the collection renders to about " + std::to_string(room.lc_tokens) + " tokens; " +
                     std::to_string(room.context) + " are free for context"});
  return room;
}

Plan lc_plan(const PlanInput& in, const config::PipelineConfig& cfg, const Room& room, std::string why) {
  Plan p;
  p.route = Route::kLc;
  p.token_budget = room.context;
  p.reason = std::move(why);
  if (!room.lc_fits) p.truncate = true;
  int64_t ctx = std::min<int64_t>(room.lc_tokens, room.context);
  p.memory = estimate_memory(in.model, ctx + (room.window - room.context), cfg.scratch_bytes);
  return p;
}

Plan rag_plan(const PlanInput& in, const config::PipelineConfig& cfg, const Room& room, bool wide,
              std::string why) {
  Plan p;
  p.route = Route::kRag;
  p.top_k = wide ? cfg.rag_wide_top_k : cfg.rag_top_k;
  p.token_budget = std::min(wide ? cfg.rag_wide_token_budget : cfg.rag_token_budget, room.context);
  p.reason = std::move(why);
  p.memory = estimate_memory(in.model, p.token_budget + (room.window - room.context), cfg.scratch_bytes);
  return p;
}

// Auto's fallback: LC when it fits, else the wider RAG budget.
Plan fall_back(const PlanInput& in, const config::PipelineConfig& cfg, const Room& room,
               std::vector<PlanDecision>& log, const std::string& step, const std::string& why) {
  Plan p = room.lc_fits ? lc_plan(in, cfg, room, why + "; the whole collection fits, so lc")
                        : rag_plan(in, cfg, room, true, why + "; the collection does not fit, so a wider rag");
  log.push_back({step, room.lc_fits ? "fall back to lc" : "fall back to wide rag", why});
  p.fallback = true;
  return p;
}

Plan plan_auto(const PlanInput& in, const config::PipelineConfig& cfg, const Room& room,
               std::vector<PlanDecision>& log) {
  std::string cue = whole_collection_cue(in.question, cfg.whole_collection_cues);
  if (!cue.empty()) {
    std::string why = "the question needs the whole collection (it says '" + cue + "')";
    Plan p = room.lc_fits ? lc_plan(in, cfg, room, why + "; it fits, so lc")
                          : rag_plan(in, cfg, room, true, why + "; it does not fit, so a wider rag");
    log.push_back({"whole-collection", route_name(p.route), why});
    return p;
  }
  log.push_back({"whole-collection", "no", "no counting, listing or comparing cue in the question"});
  if (in.rag_answered_unanswerable) {
    return fall_back(in, cfg, room, log, "first-answer", "the first rag answer said the passages do not hold it");
  }
  if (in.retrieval_scores) {
    ScoreCheck s = check_retrieval_scores(*in.retrieval_scores, cfg.low_score_margin, cfg.min_top_score);
    if (s.low) return fall_back(in, cfg, room, log, "retrieval-scores", s.why);
    log.push_back({"retrieval-scores", "ok", s.why});
  }
  Plan p = rag_plan(in, cfg, room, false,
                    "rag first, asking for \"" + cfg.unanswerable_answer + "\" when the passages do not hold the answer");
  p.ask_unanswerable = true;
  p.may_fall_back = true;
  log.push_back({"route", "rag", p.reason});
  return p;
}

}  // namespace

MemoryEstimate estimate_memory(const ModelInfo& model, int64_t tokens, int64_t scratch_bytes) {
  MemoryEstimate m;
  m.tokens = tokens;
  m.weights_bytes = model.weights_bytes;
  m.kv_bytes = model.kv_bytes_per_token * tokens;
  m.scratch_bytes = scratch_bytes;
  m.total_bytes = m.weights_bytes + m.kv_bytes + m.scratch_bytes;
  return m;
}

std::string whole_collection_cue(std::string_view question, const std::vector<std::string>& cues) {
  std::vector<std::string> q = words_of(question);
  for (const std::string& cue : cues) {
    std::vector<std::string> c = words_of(cue, true);
    if (c.empty()) continue;
    for (size_t start = 0; start < q.size(); ++start) {
      if (match_words(q, start, c, 0)) return cue;
    }
  }
  return {};
}

ScoreCheck check_retrieval_scores(const std::vector<double>& scores, double margin, double min_top_score) {
  if (scores.empty()) return {true, "retrieval found no passages"};
  double top = *std::max_element(scores.begin(), scores.end());
  if (min_top_score > 0 && top < min_top_score) {
    return {true, "the best retrieval score " + fmt(top) + " is under the floor " + fmt(min_top_score)};
  }
  if (scores.size() < 3) return {false, "too few scores (" + std::to_string(scores.size()) + ") to judge their spread"};
  double rest = 0;
  bool top_skipped = false;
  for (double s : scores) {
    if (!top_skipped && s == top) {
      top_skipped = true;
      continue;
    }
    rest += s;
  }
  rest /= static_cast<double>(scores.size() - 1);
  double lead = top > 0 ? (top - rest) / top : 0;
  std::string numbers = "best " + fmt(top) + ", mean of the other " + std::to_string(scores.size() - 1) + " " +
                        fmt(rest) + ", lead " + fmt(lead);
  if (lead < margin) return {true, "no passage stands out (" + numbers + " < " + fmt(margin) + ")"};
  return {false, "the best passage stands out (" + numbers + " >= " + fmt(margin) + ")"};
}

Plan plan(const PlanInput& in, const config::PipelineConfig& cfg) {
  if (in.collection.chunks <= 0) {
    throw Error(ErrorKind::kInvalidArgument, "the collection is empty: ingest documents first");
  }
  if (in.model.context_window <= 0) {
    throw Error(ErrorKind::kInvalidArgument, "the model reports no context window", in.model.name);
  }
  std::vector<PlanDecision> log;
  log.push_back({"mode", mode_name(in.mode), "asked for"});
  Room room = measure_room(in, cfg, log);
  Plan p;
  switch (in.mode) {
    case Mode::kLc:
      if (!room.lc_fits && parse_overflow(cfg.lc_overflow) == Overflow::kRefuse) {
        throw Error(ErrorKind::kResourceExhausted,
                    "the collection needs about " + std::to_string(room.lc_tokens) + " tokens but only " +
                        std::to_string(room.context) + " are free in the window; use --mode rag or auto");
      }
      p = lc_plan(in, cfg, room, room.lc_fits ? "lc asked for; the collection fits"
                                              : "lc asked for; the collection does not fit and will be truncated");
      log.push_back({"route", "lc", p.reason});
      break;
    case Mode::kRag:
      p = rag_plan(in, cfg, room, false, "rag asked for");
      log.push_back({"route", "rag", p.reason});
      break;
    case Mode::kAuto:
      p = plan_auto(in, cfg, room, log);
      break;
  }
  p.mode = in.mode;
  p.lc_fits = room.lc_fits;
  p.lc_tokens = room.lc_tokens;
  p.window_tokens = room.window;
  p.context_room = room.context;
  p.decisions = std::move(log);
  return p;
}

}  // namespace hayloft::pipeline
