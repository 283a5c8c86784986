#pragma once
// app: the application under cli/ and web/. It opens a home (config overlays, the library, the model
// behind the Generator seam) and runs the use-cases — ask, compare, eval, eval-retrieval, niah, generate,
// model plan — as functions that return plain results. It is the one place that writes run records and
// the one table from error kinds to exit codes and HTTP statuses. cli/ and web/ parse their input, call
// these and render what comes back; neither builds a pipeline of its own.
//
// app -> {report, eval, pipeline, index, engine}. Other modules include only this header.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "engine/engine.hpp"
#include "eval/eval.hpp"
#include "index/index.hpp"
#include "pipeline/pipeline.hpp"
#include "util/util.hpp"

namespace hayloft::app {

// --- errors -------------------------------------------------------------------------------------------

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;

// What each error kind means to a user of the CLI (exit code) and of the server (HTTP status).
struct ErrorStatus {
  int exit_code;
  int http_status;
};
ErrorStatus error_status(ErrorKind kind);

// --- process and home ---------------------------------------------------------------------------------

// OpenBLAS chooses its kernels from CPUID before main; on CPUs it does not know it falls back to slow
// SSE3 ones. Call first thing in main: re-execs once with OPENBLAS_CORETYPE set when that happened.
void ensure_fast_openblas(char** argv);

// A data folder and its config: defaults, then <dir>/config.json when present, then `config_file`.
struct Home {
  std::string dir;  // may not exist yet
  config::Config config;
};

// `home_flag` as --home gives it ("" = $HAYLOFT_HOME, else the default); `config_file` "" = none.
// Error{kInvalidArgument} for a config file that is not valid JSON or holds bad values.
Home open_home(const std::string& home_flag, const std::string& config_file);

// A temporary home (or scratch folder) removed on every exit path.
class ScratchHome {
 public:
  explicit ScratchHome(const std::string& prefix);  // a folder /tmp/<prefix>-XXXXXX
  ~ScratchHome();
  ScratchHome(const ScratchHome&) = delete;
  ScratchHome& operator=(const ScratchHome&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// --- models -------------------------------------------------------------------------------------------

// The engine settings a command may override: every field left empty keeps the config's value.
struct EngineChoice {
  std::string model;               // name or path; "" = engine.default_model
  std::optional<int64_t> threads;  // 1..256
  std::optional<int64_t> context;  // >= 0 (0 = the model's window)
};

// The config with `choice` applied. Error{kInvalidArgument} naming the setting for a value out of range.
config::Config with_engine_choice(const config::Config& config, const EngineChoice& choice);

// The model file `model` names ("" = engine.default_model). Error{kNotFound} when none matches.
std::string model_path(const config::Config& config, const std::string& model);

// Resolves and loads `model` behind the generation seam, with the KV cache of config.engine.
std::unique_ptr<pipeline::LocalGenerator> load_generator(const config::Config& config, const std::string& model,
                                                         pipeline::PromptStyle style = pipeline::PromptStyle::kChat);

// --- runs -------------------------------------------------------------------------------------------

// A stored run as `runs --json` and the server show it: the header fields, then with `full` its params,
// result and metrics, else the answer and total seconds.
nlohmann::json run_json(const index::RunRecord& r, bool full);

// --- answering ----------------------------------------------------------------------------------------

// Error{kNotFound} for an unknown collection, Error{kInvalidArgument} for one without chunks.
void require_collection(index::Library& library, const std::string& collection);

// Config, library, generator and answerer, built in that order; `collections` are checked with
// require_collection() before the model loads (a typo should not cost a model load). Pinned in place:
// the Answerer refers to the others.
struct Answering {
  Answering(const Home& home, const EngineChoice& choice, const std::vector<std::string>& collections);
  Answering(const Answering&) = delete;
  Answering& operator=(const Answering&) = delete;

  std::string home;
  config::Config config;
  index::Library library;
  pipeline::ModelInfo model_info;  // the planner's view of the model (LocalGenerator::planner_info)
  std::string model_key;           // LocalGenerator::model_key
  std::unique_ptr<pipeline::Generator> generator;
  std::unique_ptr<pipeline::Answerer> answerer;
};

struct AskResult {
  pipeline::AskOutcome outcome;
  int64_t run_id = 0;
};

// One question, streamed through `on_text`, stored as a run (kind ask).
AskResult ask(Answering& a, const pipeline::AskRequest& request, const pipeline::TextCallback& on_text = {});

// The ask as the JSON document `ask --json` prints (and the server's final event carries).
nlohmann::json ask_json(const AskResult& result, const pipeline::AskRequest& request);

struct CompareRow {
  pipeline::Mode mode;
  std::optional<pipeline::AskOutcome> outcome;
  std::string error;  // e.g. lc refused: the collection does not fit
};

struct CompareResult {
  std::vector<CompareRow> rows;  // lc, rag, auto
  nlohmann::json modes;          // one document per row, as stored
  int64_t run_id = 0;
};

// The question by lc, rag and auto with one loaded model, stored as one run (kind compare). A mode the
// planner refuses is a row with its error; any other error ends the comparison. `on_row` (may be empty)
// hears each finished row.
CompareResult compare(Answering& a, pipeline::AskRequest request,
                      const std::function<void(const CompareRow&)>& on_row = {});

// --- evaluation ---------------------------------------------------------------------------------------

// Why an article's chosen questions do not fit the window in lc ("" when they do), from the planner.
std::string lc_misfit(Answering& a, const std::vector<index::NewDocument>& docs, const eval::SquadArticle& article,
                      const std::vector<size_t>& questions);

// SQuAD articles selected as `select` says (those that do not fit lc are skipped with a warning), one
// collection each (made, or an identical one reused). Error{kInvalidArgument} when none fits.
std::vector<eval::EvalCase> squad_cases(Answering& a, const std::vector<eval::SquadArticle>& articles,
                                        const eval::SquadSelectOptions& select);

// What `eval` stores beside the scored records (its parameters as given).
struct EvalRequest {
  std::string set;        // question set or SQuAD file, as named
  std::string modes;      // as given, e.g. "lc,rag,auto"
  eval::EvalSettings settings;
  int64_t limit = 0;
  bool squad = false;
  eval::SquadSelectOptions select;
};

struct EvalOutcome {
  nlohmann::json doc;  // eval::eval_result_json, as stored
  size_t cases = 0;
  size_t answers = 0;
  bool interrupted = false;
  int64_t run_id = 0;
};

// Runs `cases` (after --limit) and stores one run (kind eval).
EvalOutcome run_eval(Answering& a, std::vector<eval::EvalCase> cases, const EvalRequest& request,
                     const eval::EvalHooks& hooks);

// BEIR retrieval quality in `home`, stored there as a run (kind eval-retrieval); result.doc gets run_id.
eval::EvalResult eval_retrieval(const std::string& home, const config::Config& config, const eval::BeirDataset& data,
                                const eval::EvalOptions& options);

// --- needle in a haystack -----------------------------------------------------------------------------

struct NiahRequest {
  std::string haystack;  // folder of .txt filler
  std::string needles;   // needles JSONL
  eval::NiahOptions options;
  std::string plot;      // "" or FILE.svg / FILE.png: one heat map per mode, FILE-<mode>.<ext>
};

struct NiahHooks {
  // Called once the generator is loaded and the needles read, before the grid runs.
  std::function<void(const pipeline::Generator&, size_t needles)> on_start;
  std::function<void(const eval::NiahCell&, size_t done, size_t total)> on_cell;
  std::function<bool()> stop;
};

struct NiahOutcome {
  eval::NiahResult result;
  nlohmann::json doc;  // eval::to_json + plots + completion, as stored
  int context_window = 0;
  int64_t run_id = 0;
};

// Inputs are read and the plot folder made before the model loads; the grid runs in a scratch home (the
// user's collections are never touched); stored in the home as one run (kind niah).
NiahOutcome run_niah(const Home& home, const EngineChoice& choice, const NiahRequest& request,
                     const NiahHooks& hooks);

// --- generate -----------------------------------------------------------------------------------------

struct GenerateRequest {
  EngineChoice engine;
  std::string prompt;
  int max_tokens = 0;
  bool chat = false;
  std::string system;  // for chat; "" = the template's own default
  engine::SamplerParams sampling;
};

struct GenerateOutcome {
  std::string text;
  engine::GenerateMetrics metrics;
  int64_t kv_bytes = 0;
  double kv_bytes_per_token = 0;
  int64_t context = 0;
  int threads = 0;
  engine::KvType kv_type = engine::KvType::kF16;
  engine::ModelInfo model;
};

// Runs the model on the prompt (in its chat template with `chat`), streaming each piece through `on_piece`.
// `on_prefill` (may be empty) hears prefill progress of prompts >= 256 tokens.
GenerateOutcome generate(const Home& home, const GenerateRequest& request,
                         const std::function<void(std::string_view piece)>& on_piece,
                         const std::function<void(int64_t done, int64_t total)>& on_prefill = {});

// --- model plan ---------------------------------------------------------------------------------------

struct PlanRequest {
  EngineChoice engine;
  std::string collection;          // "" = none
  std::optional<int64_t> tokens;   // plan for a collection of this many tokens instead
};

// What the planner decides for the model and the collection: the document `model plan --json` prints.
nlohmann::json model_plan(const Home& home, const PlanRequest& request);

}  // namespace hayloft::app
