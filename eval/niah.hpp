#pragma once
// Needle in a haystack, per route: for every (needle, context length, depth) the haystack is built
// (datasets.hpp build_niah), then each mode answers the needle's question over it through the real
// pipeline — lc with the haystack in context, rag with the haystack chunked by the ingest chunker, put in
// a real Xapian index and searched. The grid (length × depth: hit rate over needles), a cost table and
// the heat maps come from the cells. The haystack lives in a scratch Library (its own home, never the
// user's), one collection per mode, replaced for every case.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "pipeline/cost.hpp"
#include "eval/datasets.hpp"
#include "pipeline/generator.hpp"
#include "pipeline/planner.hpp"
#include "pipeline/types.hpp"
#include "eval/names.hpp"

namespace hayloft::eval {

// One answer: one needle at one depth in one context length, by one mode.
struct NiahCell {
  Mode mode = Mode::kLc;
  int length = 0;          // asked-for haystack tokens (needle included)
  double depth = 0;        // asked-for depth, percent
  int needle = 0;          // index into the needles file
  bool hit = false;        // niah_hit(answer, needle)
  std::string answer;
  int prompt_tokens = 0;   // measured, chat markup and chunk markers included
  int generated_tokens = 0;
  double seconds = 0;      // prefill + decode of this answer
  double actual_depth = 0; // where the needle landed, percent of filler tokens before it
  bool needle_in_context = false;  // lc: always; rag: a retrieved passage held the needle sentence
  bool degenerate = false;
};

// Per mode: hit rate and mean cost per question; hosted = the mean prompt/generated tokens priced.
struct NiahSummary {
  Mode mode = Mode::kLc;
  int hits = 0;
  int cells = 0;
  double hit_rate = 0;
  double mean_prompt_tokens = 0;
  double mean_generated_tokens = 0;
  double mean_seconds = 0;
  int needle_in_context = 0;  // cells whose context held the needle (rag: retrieval recall)
  std::vector<HostedCost> hosted;
};

struct NiahResult {
  std::string model;
  std::string haystack;  // folder of the filler
  std::string needles;   // needles file
  std::vector<int> lengths;
  std::vector<double> depths;
  std::vector<Mode> modes;
  std::vector<NiahCell> cells;
  std::vector<NiahSummary> summaries;
  std::vector<int> dropped_lengths;  // asked for but too long for lc (NiahOptions::drop_unfit_lengths)
  bool interrupted = false;          // the stop hook ended the grid early: cells is partial
};

// One summary per mode in `modes` (in that order), over its cells. Modes without cells get zeros.
std::vector<NiahSummary> summarize_niah(const std::vector<NiahCell>& cells, const std::vector<Mode>& modes,
                                        const std::vector<config::PriceConfig>& prices);

// The grid of one mode: values[depth][length] = hits / cells over needles; NaN where nothing ran.
// The --json document and the stored run's result. from_json reads it back (report): unknown keys are
// ignored, a missing or mistyped required field is Error{kCorrupt} naming it.
nlohmann::json to_json(const NiahResult& result);
NiahResult niah_from_json(const nlohmann::json& doc);

// A Markdown cost table, one row per mode: cells, hits, hit rate, cells whose context held the needle,
// mean prompt tokens, seconds and the hosted price per question for each configured model.
std::string niah_cost_markdown(const std::vector<NiahSummary>& summaries);

struct NiahOptions {
  std::vector<int> lengths;
  std::vector<double> depths;
  std::vector<Mode> modes;  // lc and/or rag
  int max_tokens = 32;      // generated per answer
  int top_k = 0;            // rag passages; 0 = config
  // For base models (LocalGenerator, PromptStyle::kCompletion): the routes' templates become "{context}\n\n{question}" and
  // the question completion_question(), so that continuing the text states the fact.
  bool completion = false;
  // Lengths whose lc prompt the window cannot hold: dropped (listed in NiahResult::dropped_lengths) when
  // true, an error before anything runs when false. The CLI drops them from its default lengths only.
  bool drop_unfit_lengths = false;
};

// "Question: <question>\nAnswer: <the needle's words before its answer>", e.g. for "The password to the
// Hollins Street archive is blue heron." -> "...\nAnswer: The password to the Hollins Street archive is".
// When the answer is not found in the needle, the question and "Answer:" alone.
std::string completion_question(const Needle& needle);

// "512", "1k", "4k", "128k": how lengths are labelled (thousands of tokens when divisible by 1024).
std::string length_label(int tokens);

// Called after every cell (progress on stderr, logs).
using NiahProgress = std::function<void(const NiahCell& cell, size_t done, size_t total)>;
// Asked before every cell; true ends the grid there (Ctrl-C), with a partial result.
using NiahStop = std::function<bool()>;

// Runs the whole grid. `scratch_home` is an empty folder for the scratch Library (the caller creates
// and removes it). Checks first, before any generation: lengths the model's window cannot hold in lc
// (Error{kResourceExhausted} naming the length, the estimate and the window, unless drop_unfit_lengths;
// also when that leaves none), modes other than lc/rag (Error{kInvalidArgument}), empty needles or filler.
NiahResult run_niah(const std::string& filler, const std::vector<Needle>& needles, const NiahOptions& options,
                    Generator& generator, const ModelInfo& model, const std::string& model_key,
                    const config::Config& config, const std::string& scratch_home,
                    const NiahProgress& progress = {}, const NiahStop& stop = {});

// The lc prompt tokens a haystack of `length` tokens needs, as the planner counts them: the haystack,
// a marker per chunk, the document header, instructions and question, the answer reserve.
int niah_lc_tokens_needed(int length, int instruction_tokens, int question_tokens,
                          const config::Config& config);

}  // namespace hayloft::eval
