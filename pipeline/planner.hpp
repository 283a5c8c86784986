#pragma once
// Planner: decides per question how the context is filled — the whole collection (lc), retrieved passages
// (rag), or auto (after Self-Route: RAG first with an "unanswerable" instruction; on that answer, on low
// retrieval scores, or on a question that needs the whole collection, LC when it fits, else a wider RAG
// budget). A pure function of plain inputs; every step's decision and its reason are kept as data so that
// answers, runs and reports can show why.
//
// Auto runs in up to three calls with growing knowledge, each a fresh plan():
//   1. before retrieval: whole-collection questions go straight to LC (or wide RAG); others get a first
//      RAG pass (may_fall_back = true);
//   2. with the first pass's retrieval scores: low scores fall back before any generation;
//   3. with rag_answered_unanswerable = true: the first answer declined, so fall back.
// A fallback plan never falls back again (may_fall_back = false).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "pipeline/types.hpp"

namespace hayloft::pipeline {

struct CollectionStats {
  int64_t documents = 0;
  int64_t chunks = 0;
  int64_t total_tokens = 0;  // of all chunk texts, by the answering model's tokenizer
};

// From the GGUF metadata, before anything is allocated.
struct ModelInfo {
  std::string name;
  int context_window = 0;          // tokens the model (or --context) allows
  int64_t kv_bytes_per_token = 0;  // n_layer × n_kv_head × head_dim × 2 (K and V) × bytes per element
  int64_t weights_bytes = 0;       // tensor data as mapped
};

struct PlanInput {
  std::string question;
  int question_tokens = 0;     // of the question, by the model's tokenizer
  int instruction_tokens = 0;  // system prompt + template without context and question, chat markup included
  Mode mode = Mode::kAuto;
  CollectionStats collection;
  ModelInfo model;
  std::optional<std::vector<double>> retrieval_scores;  // auto: the first pass's scores, best first
  bool rag_answered_unanswerable = false;               // auto: the first pass's answer declined
};

struct PlanDecision {
  std::string step;      // "window", "memory", "lc-fit", "whole-collection", "retrieval-scores", ...
  std::string decision;  // what was decided, e.g. "fits", "rag", "fall back to lc"
  std::string why;       // with the numbers
};

// weights + KV bytes per token × tokens + scratch.
struct MemoryEstimate {
  int64_t tokens = 0;
  int64_t weights_bytes = 0;
  int64_t kv_bytes = 0;
  int64_t scratch_bytes = 0;
  int64_t total_bytes = 0;
};
MemoryEstimate estimate_memory(const ModelInfo& model, int64_t tokens, int64_t scratch_bytes);

struct Plan {
  Mode mode = Mode::kAuto;
  Route route = Route::kRag;
  std::string reason;          // one line: the deciding step's why
  int token_budget = 0;        // context tokens the collection or the passages may fill
  int top_k = 0;               // rag: passages to retrieve
  bool ask_unanswerable = false;  // put the "unanswerable" instruction in the prompt
  bool truncate = false;       // lc: the collection does not fit and will be cut (lc_overflow = truncate)
  bool fallback = false;       // auto: this plan replaces a first RAG pass
  bool may_fall_back = false;  // auto: a later call with scores or the answer may change the route
  bool lc_fits = false;
  int64_t lc_tokens = 0;       // estimated context tokens of the whole collection as rendered
  int window_tokens = 0;       // usable window: the model's, capped by the memory budget
  int context_room = 0;        // window minus question, instructions and the answer reserve
  MemoryEstimate memory;       // for the prompt this plan will build
  std::vector<PlanDecision> decisions;
};

// Counting / listing / comparing questions that need every document. Matches config cue phrases
// ("how many * essays", "list all", "compare", "which of the documents", "in every", ...) against the
// question's words, case-insensitively; "*" in a cue stands for up to 3 words. A bare "how many" is not a
// cue: most "how many" questions ask for one number in one passage (SQuAD is full of them), so only
// "how many" + a collection noun ("how many of the essays", "how many * documents") counts. Returns the
// cue that matched, or empty. On tests/data/pg-questions.jsonl it flags 5 of the 7 multi-document
// questions and none of the 30 single-passage ones.
std::string whole_collection_cue(std::string_view question, const std::vector<std::string>& cues);

// Low retrieval scores, relative to their own distribution (BM25 scores are not comparable across
// queries, so no absolute threshold is the default). With scores s1 >= s2 >= ... >= sk:
//   - no scores at all: low;
//   - min_top_score > 0 and s1 < min_top_score: low;
//   - k >= 3 and (s1 - mean(s2..sk)) / s1 < margin: low — the best passage does not stand out from the
//     rest, which is what BM25 gives when only common words of the question matched.
// `why` says which rule held, with the numbers.
struct ScoreCheck {
  bool low = false;
  std::string why;
};
ScoreCheck check_retrieval_scores(const std::vector<double>& scores, double margin, double min_top_score);

// Throws Error{kResourceExhausted} when the question and instructions alone do not fit the window or the
// model alone exceeds the memory budget; Error{kResourceExhausted} for mode lc with lc_overflow "refuse"
// when the collection does not fit; Error{kInvalidArgument} for an empty collection or a model without a
// window.
Plan plan(const PlanInput& input, const config::PipelineConfig& config);

}  // namespace hayloft::pipeline
