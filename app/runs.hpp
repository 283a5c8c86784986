#pragma once
// The run records, built and stored in one place (app's own; others see runs through index::Store).
#include <cstdint>
#include <string>

#include "app/app.hpp"

namespace hayloft::app {

int64_t store_ask_run(index::Library& library, const std::string& model_key, const pipeline::AskRequest& request,
                      const pipeline::AskOutcome& outcome);

int64_t store_compare_run(index::Library& library, const std::string& model_name, const std::string& model_key,
                          const pipeline::AskRequest& request, const std::vector<CompareRow>& rows,
                          const nlohmann::json& modes);

int64_t store_eval_run(index::Library& library, const std::string& model_key, const EvalRequest& request,
                       const eval::EvalHeader& header, const EvalOutcome& outcome, double total_s);

int64_t store_retrieval_eval_run(index::Library& library, const eval::BeirDataset& data,
                                 const eval::EvalOptions& options, const eval::EvalResult& result);

int64_t store_niah_run(index::Library& library, const std::string& model_key, const NiahRequest& request,
                       const NiahOutcome& outcome, size_t needles);

}  // namespace hayloft::app
