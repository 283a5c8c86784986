#pragma once
// What an answer carries to the user, the run store and --json: the text, the route and why, citations,
// measured metrics beside the planner's estimate, the degeneration verdict and cost projections; plus the
// streaming glue that puts the degeneration guard between the generator and the user.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/citations.hpp"
#include "pipeline/cost.hpp"
#include "pipeline/degeneration.hpp"
#include "pipeline/generator.hpp"
#include "pipeline/planner.hpp"

namespace hayloft::pipeline {

// One generation within an answer: auto may run a first RAG pass and then fall back.
struct Attempt {
  Plan plan;
  std::string text;
  GenerateMetrics metrics;
  int context_chunks = 0;
  std::string context_note;  // e.g. how much an LC context was truncated
};

struct Answer {
  std::string question;
  std::string text;               // the final answer as shown
  Mode mode = Mode::kAuto;
  Route route = Route::kRag;      // of the final attempt
  std::vector<Attempt> attempts;  // in order; the last one is the answer
  CitationResult citations;
  DegenerationVerdict degeneration;
  RouteCost cost;                 // of the final attempt's tokens
};

// Wraps the user's token callback: each token goes to the guard first; when it turns degenerate the
// generation is stopped (the callback returns false) and `downstream` sees no more tokens. `downstream`
// may be empty. The guard must outlive the returned callback.
TokenCallback guarded_callback(DegenerationGuard& guard, TokenCallback downstream);

// The message shown to the user when an answer was cut short, e.g. "The answer started to repeat
// itself (...) and was stopped after 37 tokens." Empty when the verdict is not degenerate.
std::string degeneration_notice(const DegenerationVerdict& verdict);

// --json shapes. Field names are the public surface of `ask`, `compare` and the run store.
nlohmann::json to_json(const Plan& plan);
nlohmann::json to_json(const CitationResult& citations);
nlohmann::json to_json(const GenerateMetrics& metrics);
nlohmann::json to_json(const DegenerationVerdict& verdict);
nlohmann::json to_json(const RouteCost& cost);
nlohmann::json to_json(const Answer& answer);

}  // namespace hayloft::pipeline
