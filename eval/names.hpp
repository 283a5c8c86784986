#pragma once
// The pipeline's vocabulary that eval speaks in: routes, modes, the answerer and the generator seam are
// pipeline types, named here once so eval's headers read as before the split (internal to eval/).
#include "pipeline/pipeline.hpp"

namespace hayloft::eval {

using pipeline::Answer;
using pipeline::Answerer;
using pipeline::AskOutcome;
using pipeline::AskRequest;
using pipeline::Attempt;
using pipeline::ContextChunk;
using pipeline::GenerateMetrics;
using pipeline::Generator;
using pipeline::HostedCost;
using pipeline::hosted_costs;
using pipeline::Mode;
using pipeline::mode_name;
using pipeline::ModelInfo;
using pipeline::parse_mode;
using pipeline::Route;
using pipeline::route_name;

}  // namespace hayloft::eval
