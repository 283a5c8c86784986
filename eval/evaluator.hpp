#pragma once
// `eval`: a question set asked over collections in several modes through the same Answerer `ask` uses,
// each answer scored (SQuAD EM / F1, containment; "unanswerable" golds), folded into per-mode summaries
// with the auto goal, and rendered as the one JSON document that `eval --json` prints and the run store
// keeps (kind "eval"; `hayloft report` reads it: field names are a public surface).
//
// Order matters for speed: per collection, every question of one mode runs before the next mode
// (mode-major), so consecutive LC prompts share the whole collection as their prefix and a generator
// that keeps the longest common prefix in its KV cache prefills only the question.
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/answerer.hpp"
#include "eval/datasets.hpp"
#include "eval/summary.hpp"
#include "eval/names.hpp"

namespace hayloft::eval {

struct EvalCase {
  std::string collection;
  QuestionItem item;
};

// One question answered in one mode, scored.
struct EvalRecord {
  QuestionResult result;  // id, mode, route, scores, tokens, seconds, flags
  std::string collection;
  std::string question;
  std::vector<std::string> gold;
  std::string answer;
  std::string reason;  // the final plan's reason
  std::string error;   // set when no answer came (result.error); e.g. lc refused
  // CPU seconds of this process (all threads) while answering: on a shared machine wall seconds
  // (result.seconds) grow with others' load, CPU seconds do not; CPU / threads ~ wall on an idle machine.
  double cpu_seconds = 0;
};

// "lc,rag,auto" -> modes in the given order. Error{kInvalidArgument} for an empty list, an unknown or a
// repeated mode.
std::vector<Mode> parse_modes(std::string_view list);

// The run order: (case index, mode) pairs, collections in order of first appearance, then mode-major
// within each collection (all its cases in mode 1, then all in mode 2, ...), cases in set order.
std::vector<std::pair<size_t, Mode>> eval_order(const std::vector<EvalCase>& cases, const std::vector<Mode>& modes);

struct EvalSettings {
  std::vector<Mode> modes = {Mode::kLc, Mode::kRag, Mode::kAuto};
  int max_tokens = 32;  // generated tokens per attempt
  int top_k = 0;        // rag passages; 0 = config
  std::string unanswerable_word = "unanswerable";
};

struct EvalHooks {
  std::function<bool()> stop;  // checked before each question; true ends the run (interrupted)
  // After each answer: the record, how many are done of how many.
  std::function<void(const EvalRecord& record, size_t done, size_t total)> on_record;
};

struct EvalRun {
  std::vector<EvalRecord> records;  // in run order
  bool interrupted = false;
};

// Asks one case in one mode and scores it. A refusal the planner or the window makes
// (Error{kResourceExhausted}) or a bad question (Error{kInvalidArgument}) becomes a record with `error`
// set, scored 0; other errors propagate.
EvalRecord evaluate_one(Answerer& answerer, const EvalCase& c, Mode mode, const EvalSettings& settings);

// Every case in every mode, in eval_order.
EvalRun run_eval(Answerer& answerer, const std::vector<EvalCase>& cases, const EvalSettings& settings,
                 const EvalHooks& hooks = {});

// What the document says about the run beside its records.
struct EvalHeader {
  std::string set;    // the question set's path, or the SQuAD file's
  std::string model;
  std::vector<std::string> collections;
  std::vector<Mode> modes;
  bool interrupted = false;
};

// {"set", "model", "collections", "modes", "interrupted", "summaries": [...], "goal": {...},
//  "questions": [...], "table"} — summaries in the order lc, rag, auto (each with mean_cpu_seconds
//  beside the ModeSummary fields); "table" the Markdown summary.
nlohmann::json eval_result_json(const EvalHeader& header, const std::vector<EvalRecord>& records);
nlohmann::json to_json(const ModeSummary& summary);
nlohmann::json to_json(const AutoGoal& goal);
nlohmann::json to_json(const EvalRecord& record);

// "lc 0.50 (4) · rag 0.33 (3)": running accuracy and count per mode, for progress lines.
std::string running_accuracy(const std::vector<EvalRecord>& records);

}  // namespace hayloft::eval
