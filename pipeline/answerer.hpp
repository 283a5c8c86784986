#pragma once
// Answerer: runs one question over one collection in mode lc | rag | auto, from the collection in the
// index to an answer (app/ stores it as a run). It ties the pure parts together — plan(), the LC
// rendering or the RAG packing, the chat messages, the Generator seam, the degeneration guard,
// citations, cost — and talks to the index (chunks, search, per-model token counts).
//
// Auto (after Self-Route) runs up to two generations: a first RAG pass that may answer "unanswerable";
// low retrieval scores fall back before any generation, an "unanswerable" answer after it (LC when the
// collection fits, else a wider RAG budget). Every plan is kept in Answer::attempts.
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "index/index.hpp"
#include "pipeline/answer.hpp"
#include "pipeline/generator.hpp"
#include "pipeline/planner.hpp"

namespace hayloft::pipeline {

struct AskRequest {
  std::string collection;
  std::string question;
  Mode mode = Mode::kAuto;
  int max_tokens = 128;  // generated tokens per attempt
  int top_k = 0;         // rag passages; 0 = config pipeline.rag_top_k (the wide fallback keeps its own)
};

struct AskOutcome {
  Answer answer;
  std::vector<ContextChunk> context;  // chunks of the final prompt, marker order ([C1] = context[0])
  std::string prompt_hash;            // FNV-1a 64 of the final rendered prompt, hex
  std::string model;                  // generator's model name
  CollectionStats collection;
};

// Streamed to the user: called with the text of the final answer as it is generated. A first auto pass
// that may still fall back is held back until it cannot be the unanswerable word.
using TextCallback = std::function<void(std::string_view text)>;

class Answerer {
 public:
  // `model_key` keys the per-model chunk token counts in the store (LocalGenerator::model_key()).
  Answerer(index::Library& library, Generator& generator, ModelInfo model, std::string model_key,
           const config::Config& config);

  // Error{kNotFound} for an unknown collection, Error{kInvalidArgument} for an empty one or an empty
  // question, Error{kResourceExhausted} when the question does not fit the window (from plan()).
  AskOutcome ask(const AskRequest& request, const TextCallback& on_text = {});

  // The collection's chunks in collection order with their token counts by the model's tokenizer,
  // counted once per model and kept in the store. Error{kNotFound} for an unknown collection.
  std::vector<ContextChunk> collection_chunks(const std::string& collection);
  CollectionStats stats_of(const std::vector<ContextChunk>& chunks) const;

  // Tokens of the prompt without context and question, chat markup included (the larger of lc's and
  // rag's): what plan() reserves beside the context. Public for planning without asking (model plan, eval).
  int instruction_tokens() const;

 private:
  struct Pass;
  Pass run_pass(const AskRequest& request, const Plan& plan, const std::vector<ContextChunk>& all,
                const TextCallback& on_text);
  std::vector<ContextChunk> retrieve(const AskRequest& request, int top_k, const std::vector<ContextChunk>& all);

  index::Library& library_;
  Generator& generator_;
  ModelInfo model_;
  std::string model_key_;
  const config::Config& config_;
};

// Stable hex hash of a prompt (FNV-1a 64): equal prompts, equal hashes across runs and machines.
std::string prompt_hash(std::string_view text);

// The run record's JSON parts of an ask (what `runs show` prints).
nlohmann::json ask_result_json(const AskOutcome& outcome);

}  // namespace hayloft::pipeline
